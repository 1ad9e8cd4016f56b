// Runs the real tools (promtool, amtool, blackbox --config.check) on a rendered tree before it
// goes live, lowest order first: rule files before the Prometheus config that loads them.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { UserError } from "../config/configError.js";
import type { DesiredState } from "../render/desiredState.js";
import { resolveBinary } from "./binaries.js";

export interface ValidationFailure {
  readonly path: string;
  readonly tool: string;
  readonly output: string;
}

/** Every file of `state` that has a validator, checked where it lies under `root`. */
export function validateTree(root: string, state: DesiredState): ValidationFailure[] {
  const checks = state.files
    .filter((f) => f.validate)
    .sort((a, b) => (a.validate?.order ?? 0) - (b.validate?.order ?? 0) || a.path.localeCompare(b.path));
  const failures: ValidationFailure[] = [];
  for (const file of checks) {
    const spec = file.validate;
    if (!spec) continue;
    const binary = resolveBinary(spec.binary);
    if (!binary) {
      failures.push({
        path: file.path,
        tool: spec.binary.name,
        output: `${spec.binary.name} is not installed`,
      });
      continue;
    }
    const args = spec.args.map((a) =>
      a.replaceAll("{file}", join(root, file.path)).replaceAll("{root}", root),
    );
    const result = spawnSync(binary.command, [...binary.prefixArgs, ...args], { encoding: "utf8" });
    if (result.status !== 0) {
      failures.push({
        path: file.path,
        tool: spec.binary.name,
        output: `${result.stdout}${result.stderr}`.trim(),
      });
    }
  }
  return failures;
}

export function assertTreeValid(root: string, state: DesiredState): void {
  const failures = validateTree(root, state);
  if (failures.length === 0) return;
  const lines = failures.map((f) => `${f.path} was rejected by ${f.tool}:\n${f.output}`);
  throw new UserError(lines.join("\n"));
}

// `stackmon check`, for the user's own CI on their config repository: validate, render, run the
// real validators on the rendered files and the catalog's promtool tests. Needs no secret: secret
// parts are written masked, and no validator reads them.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveAlerts } from "../alerting/catalog.js";
import { components } from "../components/registry.js";
import { UserError } from "../config/configError.js";
import type { StackConfig } from "../config/stackConfig.js";
import { runRuleTests } from "../host/ruleTests.js";
import { validateTree } from "../host/validateTree.js";
import { writeFileAtomic } from "../lib/atomicWrite.js";
import { maskedText } from "../render/fileContent.js";
import { loadStackConfig, renderStack } from "../stack.js";

export interface CheckStep {
  readonly step: string;
  readonly ok: boolean;
  /** One line for the table; `output` holds the tool's full words when it failed. */
  readonly detail: string;
  readonly output?: string;
}

export function checkConfigFile(
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): CheckStep[] {
  let config: StackConfig;
  try {
    config = loadStackConfig(file, env);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return [{ step: "validate", ok: false, detail: error.message, output: error.describe() }];
  }
  return [{ step: "validate", ok: true, detail: file }, ...renderedChecks(config)];
}

function renderedChecks(config: StackConfig): CheckStep[] {
  const root = mkdtempSync(join(tmpdir(), "stackmon-check-"));
  try {
    const state = renderStack(config, { root, platform: "systemd" });
    for (const dir of state.directories) mkdirSync(join(root, dir.path), { recursive: true });
    for (const f of state.files) writeFileAtomic(join(root, f.path), maskedText(f.content), 0o600);
    const failures = validateTree(root, state);
    const validated: CheckStep[] = state.files
      .filter((f) => f.validate)
      .map((f) => {
        const failure = failures.find((x) => x.path === f.path);
        const tool = f.validate?.binary.name ?? "";
        return failure
          ? {
              step: `${tool} ${f.path}`,
              ok: false,
              detail: "rejected",
              output: failure.output.replaceAll(root, ""),
            }
          : { step: `${tool} ${f.path}`, ok: true, detail: "valid" };
      });
    const rules = runRuleTests(resolveAlerts(components, config));
    return [
      { step: "render", ok: true, detail: `${state.files.length} files` },
      ...validated,
      {
        step: "promtool test rules",
        ok: rules.ok,
        detail: rules.ok ? `${rules.alerts} alerts fire and stay quiet as they should` : "failed",
        ...(rules.ok ? {} : { output: rules.output }),
      },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

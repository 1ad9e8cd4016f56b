// Runs the catalog's promtool unit tests: each enabled alert's firing and quiet case, against the
// rules as this config renders them.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ResolvedAlert } from "../alerting/alertRule.js";
import { renderRuleTests } from "../alerting/prometheusRules.js";
import { promtoolBinary } from "../components/prometheus/index.js";
import { installHint, resolveBinary } from "./binaries.js";

export interface RuleTestResult {
  readonly ok: boolean;
  /** How many alert variants were tested. */
  readonly alerts: number;
  /** promtool's output (its failures name the test and the difference). */
  readonly output: string;
}

export function runRuleTests(alerts: readonly ResolvedAlert[]): RuleTestResult {
  const promtool = resolveBinary(promtoolBinary);
  if (!promtool) {
    return { ok: false, alerts: 0, output: `promtool not found: ${installHint(promtoolBinary)}` };
  }
  const files = renderRuleTests(alerts);
  const dir = mkdtempSync(join(tmpdir(), "stackmon-rule-tests-"));
  try {
    for (const file of files) writeFileSync(join(dir, file.path), file.content);
    const testFiles = files.filter((f) => f.path.endsWith(".test.yml")).map((f) => f.path);
    if (testFiles.length === 0) return { ok: true, alerts: 0, output: "" };
    const result = spawnSync(promtool.command, [...promtool.prefixArgs, "test", "rules", ...testFiles], {
      cwd: dir,
      encoding: "utf8",
    });
    return {
      ok: result.status === 0,
      alerts: testFiles.length,
      output: `${result.stdout}${result.stderr}`.trim(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

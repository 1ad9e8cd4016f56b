// Every alert of the catalog is proven by promtool: its rules pass `promtool check rules`, and a
// series that fires it and one that keeps it quiet behave so, at the default thresholds and at
// tuned ones.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { resolveAlerts } from "../../src/alerting/catalog.js";
import { renderRuleFile, alertsByComponent } from "../../src/alerting/prometheusRules.js";
import { components } from "../../src/components/registry.js";
import { promtoolBinary } from "../../src/components/prometheus/index.js";
import { resolveBinary } from "../../src/host/binaries.js";
import { runRuleTests } from "../../src/host/ruleTests.js";
import { parseStackConfig } from "../../src/stack.js";
import { everyComponentConfigWith } from "../helpers/dashboardConfigs.js";
import { tempDir } from "../helpers/stackmon.js";

/** Every component on (each with its example), so every alert of the catalog is rendered and tested. */
const EVERY_COMPONENT = everyComponentConfigWith("alerting", { rules: {} });

describe("the alert catalog under promtool", () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const alerts = resolveAlerts(components, parseStackConfig(EVERY_COMPONENT));

  it("has a firing and a quiet case for every alert (the Watchdog only fires)", () => {
    assert.ok(alerts.length > 0);
    for (const alert of alerts) {
      assert.ok(alert.tests.fires.expect, `${alert.name} (${alert.severity}) has a firing case`);
      if (alert.name !== "Watchdog") assert.ok(alert.tests.quiet, `${alert.name} has a quiet case`);
      assert.equal(alert.tests.quiet?.expect, undefined, `${alert.name}'s quiet case expects nothing`);
    }
  });

  it("renders rule files that promtool check rules accepts", () => {
    const promtool = resolveBinary(promtoolBinary);
    assert.ok(promtool, "promtool is installed");
    const dir = tempDir("stackmon-rules-");
    dirs.push(dir);
    const files = [...alertsByComponent(alerts)].map(([component, group]) => {
      const path = join(dir, `${component}.yml`);
      writeFileSync(path, renderRuleFile(`stackmon-${component}`, group));
      return path;
    });
    const result = spawnSync(promtool.command, ["check", "rules", ...files], { encoding: "utf8" });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });

  it("passes promtool test rules at the default thresholds", () => {
    const result = runRuleTests(alerts);
    assert.equal(result.alerts, alerts.length);
    assert.ok(result.ok, result.output);
  });

  it("passes promtool test rules with every threshold and `for` tuned", () => {
    const rules = Object.fromEntries(
      [...new Map(alerts.map((a) => [a.name, a])).values()]
        .filter((a) => alerts.filter((b) => b.name === a.name).length === 1)
        .map((a) => {
          const t = a.threshold;
          const tuned = t ? Math.min(t.max, Math.max(t.min, t.value * 1.5 || t.value + 1)) : undefined;
          return [a.name, { for: "45m", ...(tuned !== undefined ? { threshold: tuned } : {}) }];
        }),
    );
    const config = parseStackConfig(everyComponentConfigWith("alerting", { rules }));
    const tunedAlerts = resolveAlerts(components, config);
    assert.ok(tunedAlerts.some((a) => a.for === "45m"));
    const result = runRuleTests(tunedAlerts);
    assert.ok(result.ok, result.output);
  });

  it("proves the test would catch a broken rule: a rule that never fires fails its case", () => {
    const broken = alerts.map((a) => (a.name === "TargetDown" ? { ...a, expr: "up == 2" } : a));
    const result = runRuleTests(broken);
    assert.equal(result.ok, false);
    assert.match(result.output, /TargetDown/);
  });
});

// `stackmon alerts` and `stackmon check` as a user runs them, with the real validators.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/stackmon.js";

describe("stackmon alerts and stackmon check", () => {
  const dir = tempDir("stackmon-cli-alerting-");
  after(() => rmSync(dir, { recursive: true, force: true }));
  const config = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it("lists the catalog with thresholds, severities and what this config turns off", () => {
    const file = config(
      "tuned.yml",
      "alerting:\n  rules:\n    Watchdog: {enabled: false}\n    TargetDown: {for: 5m}\n",
    );
    const result = runCli(["alerts", "-c", file]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^ALERT\s+COMPONENT\s+SEVERITY\s+THRESHOLD\s+FOR\s+STATE$/m);
    assert.match(result.stdout, /^TargetDown\s+prometheus\s+warning\s+-\s+5m\s+on$/m);
    assert.match(result.stdout, /^Watchdog\s+prometheus\s+info\s+-\s+0s\s+off \(alerting\.rules\)$/m);
    assert.match(result.stdout, /alerts on, evaluated by Prometheus and delivered by Alertmanager\.$/m);
  });

  it("gives the catalog as JSON", () => {
    const result = runCli(["alerts", "--json", "-c", config("empty.yml", "")]);
    assert.equal(result.status, 0, result.stderr);
    const parsed = JSON.parse(result.stdout) as {
      engine: string;
      alerts: { name: string; enabled: boolean }[];
    };
    assert.equal(parsed.engine, "alertmanager");
    assert.ok(parsed.alerts.some((a) => a.name === "TargetDown" && a.enabled));
  });

  it("check passes a good config with the real validators and the rule tests, reading no secret", () => {
    const file = config(
      "good.yml",
      `alerting:
  mattermost:
    webhook_url_file: /nonexistent/mattermost.url
    critical: {channel: ops-critical}
exporters:
  blackbox: {targets: [{url: "https://shop.example.com", name: shop}]}
`,
    );
    const result = runCli(["check", "-c", file]);
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /^amtool \/etc\/alertmanager\/alertmanager\.yml\s+OK\s+valid$/m);
    assert.match(result.stdout, /^promtool \/etc\/prometheus\/prometheus\.yml\s+OK\s+valid$/m);
    assert.match(
      result.stdout,
      /^promtool \/etc\/prometheus\/rules\/stackmon-prometheus\.yml\s+OK\s+valid$/m,
    );
    assert.match(
      result.stdout,
      /^promtool test rules\s+OK\s+\d+ alerts fire and stay quiet as they should$/m,
    );
    assert.match(result.stdout, /All checks passed\./);
  });

  it("check fails an invalid config with its position and exit 1", () => {
    const result = runCli(["check", "-c", config("bad.yml", "alerting:\n  rules:\n    NoSuchAlert: {}\n")]);
    assert.equal(result.status, 1);
    assert.match(result.stdout, /^validate\s+FAIL/m);
    assert.match(result.stdout, /bad\.yml:3:5: alerting\.rules\.NoSuchAlert: unknown key/);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configProblems as problems } from "../../test/helpers/configProblems.js";
import { components } from "../components/registry.js";
import { parseStackConfig, renderStack } from "../stack.js";
import { resolveAlerts } from "./catalog.js";

const alertmanagerYml = (text: string) => {
  const state = renderStack(parseStackConfig(text, "stackmon.yml", {}), { root: "", platform: "systemd" });
  const file = state.files.find((f) => f.path === "/etc/alertmanager/alertmanager.yml");
  assert.ok(file && typeof file.content === "string");
  return { state, text: file.content };
};

describe("the alerting section", () => {
  it("rejects an override naming an unknown alert, at its position", () => {
    assert.deepEqual(problems("alerting:\n  rules:\n    TargetDwn: {for: 5m}\n"), [
      'stackmon.yml:3:5: alerting.rules.TargetDwn: unknown key (see "stackmon alerts" for every alert name)',
    ]);
  });

  it("rejects an invalid duration and a threshold out of range, at their positions", () => {
    const found = problems(
      "alerting:\n  rules:\n    TargetDown: {for: soon}\n    PrometheusBadConfig: {severity: urgent}\n",
    );
    assert.equal(found.length, 2);
    assert.match(
      found[0] ?? "",
      /^stackmon\.yml:3:23: alerting\.rules\.TargetDown\.for: must be a Prometheus duration/,
    );
    assert.match(found[1] ?? "", /^stackmon\.yml:4:37: alerting\.rules\.PrometheusBadConfig\.severity: /);
  });

  it("rejects a route to a channel when no webhook is configured", () => {
    const found = problems("alerting:\n  mattermost:\n    critical: {channel: ops}\n");
    assert.equal(found.length, 2, "critical and warning both lack a webhook");
    assert.match(
      found[1] ?? "",
      /^stackmon\.yml:3:25: alerting\.mattermost\.critical\.channel: critical alerts have no webhook/,
    );
  });

  it("rejects a channel given by its display name", () => {
    const [problem] = problems(
      "alerting:\n  mattermost:\n    webhook_url_file: /etc/mm.url\n    warning: {channel: Ops Alerts}\n",
    );
    assert.match(problem ?? "", /alerting\.mattermost\.warning\.channel: must be a channel name/);
  });

  it("turns an alert off, tunes another, and says so in the catalog", () => {
    const config = parseStackConfig(
      "alerting:\n  rules:\n    Watchdog: {enabled: false}\n    TargetDown: {for: 10m, severity: warning}\n",
      "stackmon.yml",
      {},
    );
    const alerts = resolveAlerts(components, config);
    const watchdog = alerts.find((a) => a.name === "Watchdog");
    assert.equal(watchdog?.enabled, false);
    assert.equal(watchdog?.disabledBy, "config");
    const targetDown = alerts.find((a) => a.name === "TargetDown");
    assert.equal(targetDown?.for, "10m");
    assert.equal(targetDown?.severity, "warning");
    const mysql = alerts.filter((a) => a.component === "mysql");
    assert.ok(mysql.every((a) => !a.enabled && a.disabledBy === "component"));
  });

  it("refuses a mention that is not @names, at its position, so nothing reaches the templates raw", () => {
    const found = problems(
      'alerting:\n  mattermost:\n    webhook_url_env: HOOK\n    critical: {mention: "{{ broken"}\n    warning: {mention: "@ops [x](https://e.example)"}\n',
    );
    assert.deepEqual(
      found.map((p) => p.replace(/: must be .*/, "")),
      [
        "stackmon.yml:4:25: alerting.mattermost.critical.mention",
        "stackmon.yml:5:24: alerting.mattermost.warning.mention",
      ],
    );
    assert.match(found[0] ?? "", /must be @names separated by spaces, such as "@channel"/);
  });

  it("refuses a name or URL that would open a Go template action", () => {
    const found = problems(
      'alerting:\n  grafana_url: "https://g.example.com/{{ .x }}"\n  mattermost:\n    webhook_url_env: HOOK\n    username: "{{ .Status }}"\n',
    );
    assert.deepEqual(
      found.map((p) => p.replace(/: must not .*/, "")),
      ["stackmon.yml:2:16: alerting.grafana_url", "stackmon.yml:5:15: alerting.mattermost.username"],
    );
  });

  it("writes any valid mention into the firing pretext only", () => {
    const { text } = alertmanagerYml(
      'alerting:\n  mattermost:\n    webhook_url_env: HOOK\n    critical: {mention: "@alice @db-team"}\n    warning: {mention: "@here"}\n',
    );
    assert.match(text, /pretext: '\{\{ if eq \.Status "firing" \}\}@alice @db-team\{\{ end \}\}'/);
    assert.match(text, /pretext: '\{\{ if eq \.Status "firing" \}\}@here\{\{ end \}\}'/);
  });

  it("routes each severity to its channel with the webhook URL in a 0640 file, never inline", () => {
    const { state, text } = alertmanagerYml(`
alerting:
  mattermost:
    webhook_url_file: /etc/stackmon/secrets/mattermost.url
    critical: {channel: ops-critical}
    warning: {channel: ops}
    info: {channel: ops-info, webhook_url_env: INFO_HOOK}
`);
    assert.match(text, /receiver: mattermost-critical\n\s+matchers:\n\s+- severity="critical"/);
    assert.match(
      text,
      /api_url_file: \/etc\/alertmanager\/secrets\/mattermost\.url\n\s+channel: ops-critical/,
    );
    assert.match(
      text,
      /api_url_file: \/etc\/alertmanager\/secrets\/mattermost-info\.url\n\s+channel: ops-info/,
    );
    assert.match(text, /send_resolved: true/);
    assert.doesNotMatch(text, /https?:\/\/[^\s]*hooks/);
    const secret = state.files.find((f) => f.path === "/etc/alertmanager/secrets/mattermost.url");
    assert.equal(secret?.mode, 0o640);
    assert.equal(secret?.group, "alertmanager");
    assert.deepEqual(secret && typeof secret.content !== "string" ? secret.content.template : [], [
      {
        secret: {
          kind: "file",
          path: "/etc/stackmon/secrets/mattermost.url",
          configKey: "alerting.mattermost.webhook_url_file",
        },
        as: "raw",
      },
    ]);
  });

  it("keeps the Watchdog and undelivered severities out of chat, and inhibits by host and severity", () => {
    const { text } = alertmanagerYml("alerting:\n  mattermost: {webhook_url_env: HOOK}\n");
    assert.match(text, /- receiver: nowhere\n\s+matchers:\n\s+- alertname="Watchdog"/);
    assert.match(
      text,
      /- receiver: nowhere\n\s+matchers:\n\s+- severity="info"/,
      "info has no route by default",
    );
    assert.match(
      text,
      /source_matchers:\n\s+- alertname="HostUnreachable"\n\s+target_matchers:\n\s+- alertname=~"TargetDown"/,
    );
    assert.match(
      text,
      /source_matchers:\n\s+- severity="critical"\n\s+target_matchers:\n\s+- severity=~"warning\|info"/,
    );
  });
});

describe("alerting.engine: grafana", () => {
  it("needs Grafana in the stack", () => {
    const found = problems("grafana: {enabled: false}\nalerting:\n  engine: grafana\n");
    assert.deepEqual(found, [
      "stackmon.yml:3:11: alerting.engine: grafana evaluates the alerts, but Grafana is not enabled in this stack",
    ]);
  });

  it("leaves Prometheus without alert rules and gives Grafana the catalog and the webhook URLs", () => {
    const state = renderStack(
      parseStackConfig(
        "alerting:\n  engine: grafana\n  mattermost: {webhook_url_file: /etc/mm.url}\n",
        "stackmon.yml",
        {},
      ),
      { root: "", platform: "systemd" },
    );
    assert.ok(!state.files.some((f) => f.path.startsWith("/etc/prometheus/rules/")));
    const provisioning = state.files.find(
      (f) => f.path === "/etc/grafana/provisioning/alerting/stackmon.yaml",
    );
    assert.ok(provisioning && typeof provisioning.content === "string");
    assert.match(provisioning.content, /url: \$STACKMON_MATTERMOST_URL/);
    const env = state.files.find((f) => f.path === "/etc/default/grafana-server");
    assert.equal(env?.mode, 0o640);
    assert.equal(env?.group, "grafana");
    assert.ok(env && typeof env.content !== "string", "the env file holds the webhook as a secret part");
    const alertmanager = state.files.find((f) => f.path === "/etc/alertmanager/alertmanager.yml");
    assert.ok(alertmanager && typeof alertmanager.content === "string");
    assert.doesNotMatch(alertmanager.content, /slack_configs/, "Alertmanager delivers nothing");
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { ConfigError, formatIssue } from "../../config/configError.js";
import { parseStackConfig, renderStack } from "../../stack.js";

interface AlertmanagerYml {
  route: {
    routes: { receiver: string; matchers: string[]; repeat_interval?: string; group_interval?: string }[];
  };
  inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
  receivers: { name: string; slack_configs?: { api_url_file: string; send_resolved: boolean }[] }[];
}

function render(text: string) {
  const state = renderStack(parseStackConfig(text, "stackmon.yml", {}), { root: "", platform: "systemd" });
  const file = state.files.find((f) => f.path === "/etc/alertmanager/alertmanager.yml");
  assert.ok(file && typeof file.content === "string");
  return { state, text: file.content, yml: parse(file.content) as AlertmanagerYml };
}

function problems(text: string): string[] {
  try {
    parseStackConfig(text, "stackmon.yml", {});
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatIssue);
    throw error;
  }
  assert.fail("expected the config to be rejected");
}

describe("inhibition", () => {
  it("lets nothing but an unreachable host hold back other alerts of that host, and only its TargetDown", () => {
    const { yml } = render("");
    const byHost = yml.inhibit_rules.filter((r) => r.equal.length === 1 && r.equal[0] === "instance");
    assert.deepEqual(
      byHost.map((r) => [r.source_matchers, r.target_matchers]),
      [
        [
          ['alertname="BlackboxProbeFailed"'],
          ['alertname=~"BlackboxAvailabilityLow|BlackboxHttpErrorStatus"'],
        ],
        [['alertname="HostUnreachable"'], ['alertname=~"TargetDown"']],
      ],
    );
    assert.ok(
      !yml.inhibit_rules.some((r) => r.source_matchers.some((m) => m.includes("TargetDown"))),
      "a TargetDown holds back nothing",
    );
  });
});

describe("the heartbeat", () => {
  const config = "alerting:\n  heartbeat: {url_file: /etc/stackmon/secrets/heartbeat.url, interval: 3m}\n";

  it("sends the Watchdog to the ping URL every interval, read from a file only Alertmanager may read", () => {
    const { state, text, yml } = render(config);
    const route = yml.route.routes.find((r) => r.matchers.includes('alertname="Watchdog"'));
    assert.deepEqual(route, {
      receiver: "heartbeat",
      matchers: ['alertname="Watchdog"'],
      group_wait: "0s",
      group_interval: "10s",
      repeat_interval: "3m",
    });
    const receiver = yml.receivers.find((r) => r.name === "heartbeat");
    assert.equal(receiver?.slack_configs?.[0]?.api_url_file, "/etc/alertmanager/secrets/heartbeat.url");
    assert.equal(receiver?.slack_configs?.[0]?.send_resolved, false);
    const file = state.files.find((f) => f.path === "/etc/alertmanager/secrets/heartbeat.url");
    assert.equal(file?.mode, 0o640);
    assert.equal(file?.group, "alertmanager");
    assert.deepEqual(file && typeof file.content !== "string" ? file.content.template : [], [
      {
        secret: {
          kind: "file",
          path: "/etc/stackmon/secrets/heartbeat.url",
          configKey: "alerting.heartbeat.url_file",
        },
        as: "raw",
      },
    ]);
    assert.doesNotMatch(text, /\/etc\/stackmon\/secrets\/heartbeat\.url/);
  });

  it("stops while Alertmanager fails to deliver, so that the service outside notices", () => {
    const { yml } = render(config);
    assert.ok(
      yml.inhibit_rules.some(
        (r) =>
          r.source_matchers[0] === 'alertname="AlertmanagerFailedToSendAlerts"' &&
          r.target_matchers[0] === 'alertname="Watchdog"',
      ),
    );
    assert.ok(!render("").yml.inhibit_rules.some((r) => r.target_matchers[0] === 'alertname="Watchdog"'));
  });

  it("without one, the Watchdog goes nowhere", () => {
    const { yml } = render("");
    assert.equal(
      yml.route.routes.find((r) => r.matchers.includes('alertname="Watchdog"'))?.receiver,
      "nowhere",
    );
  });

  it("needs exactly one URL reference, and Alertmanager as the engine", () => {
    assert.deepEqual(problems("alerting:\n  heartbeat: {interval: 5m}\n"), [
      "stackmon.yml:2:14: alerting.heartbeat.url_file: set exactly one of url_file and url_env",
    ]);
    assert.deepEqual(problems("alerting:\n  engine: grafana\n  heartbeat: {url_env: PING_URL}\n"), [
      "stackmon.yml:3:14: alerting.heartbeat: the heartbeat is sent by Alertmanager: it needs engine: alertmanager",
    ]);
  });
});

// Grafana cannot run here: the provisioning file is checked against Grafana's documented file
// format (../shared/reference/grafana.md) and for the references that make Grafana refuse it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { asGrafanaReadsIt, interpolatedByGrafana } from "../../test/helpers/grafanaProvisioning.js";
import { z } from "zod";
import { components } from "../components/registry.js";
import { PROMETHEUS_DATASOURCE_UID, GRAFANA_FOLDER } from "../components/shared/grafanaDatasources.js";
import { parseStackConfig } from "../stack.js";
import { alertingSettingsOf, resolveAlerts } from "./catalog.js";
import {
  grafanaAlertingSecrets,
  grafanaTemplate,
  renderGrafanaAlerting,
  ruleUid,
} from "./grafanaAlerting.js";

const queryData = z.strictObject({
  refId: z.string().min(1),
  relativeTimeRange: z.strictObject({ from: z.number().int().min(0), to: z.number().int().min(0) }),
  datasourceUid: z.string().min(1),
  model: z.record(z.string(), z.unknown()),
});

const provisioningFile = z.strictObject({
  apiVersion: z.literal(1),
  groups: z.array(
    z.strictObject({
      orgId: z.number().int(),
      name: z.string().min(1),
      folder: z.string().min(1),
      interval: z.string().regex(/^\d+[smh]$/),
      rules: z.array(
        z.strictObject({
          uid: z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/),
          title: z.string().min(1),
          condition: z.string().min(1),
          data: z.array(queryData).min(1),
          for: z.string().regex(/^(\d+[smhd])+$/),
          labels: z.record(z.string(), z.string()),
          annotations: z.record(z.string(), z.string()),
          noDataState: z.enum(["Alerting", "NoData", "OK"]),
          execErrState: z.enum(["Alerting", "Error", "OK"]),
          isPaused: z.boolean(),
        }),
      ),
    }),
  ),
  contactPoints: z.array(
    z.strictObject({
      orgId: z.number().int(),
      name: z.string().min(1),
      receivers: z.array(
        z.strictObject({
          uid: z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/),
          type: z.literal("slack"),
          settings: z.record(z.string(), z.string()),
          disableResolveMessage: z.boolean(),
        }),
      ),
    }),
  ),
  policies: z.array(
    z.strictObject({
      orgId: z.number().int(),
      receiver: z.string().min(1),
      group_by: z.array(z.string()),
      group_wait: z.string(),
      group_interval: z.string(),
      repeat_interval: z.string(),
      routes: z.array(
        z.strictObject({
          receiver: z.string(),
          object_matchers: z.array(z.tuple([z.string(), z.enum(["=", "!=", "=~", "!~"]), z.string()])),
          repeat_interval: z.string().optional(),
          mute_time_intervals: z.array(z.string()).optional(),
        }),
      ),
    }),
  ),
  templates: z.array(z.strictObject({ orgId: z.number().int(), name: z.string(), template: z.string() })),
  muteTimes: z.array(
    z.strictObject({
      orgId: z.number().int(),
      name: z.string(),
      time_intervals: z.array(z.record(z.string(), z.unknown())),
    }),
  ),
});
type ProvisioningFile = z.infer<typeof provisioningFile>;

const CONFIG = `
global: {hostname: web1, evaluation_interval: 15s}
alerting:
  engine: grafana
  grafana_url: https://grafana.example.com
  mattermost:
    webhook_url_file: /etc/stackmon/secrets/mattermost.url
    critical: {channel: ops-critical, mention: "@channel"}
    warning: {channel: ops}
exporters:
  mysql: {enabled: true, password_env: MYSQL_PASSWORD}
  pm2: {enabled: true, user: deploy}
  duplicati: {enabled: true, token_env: DUPLICATI_TOKEN}
`;

const GRAFANA_ENV = { STACKMON_MATTERMOST_URL: "https://chat.example.com/hooks/abc" };

/** The provisioning file as Grafana reads it, its environment variables expanded. */
function rendered(text = CONFIG): { file: ProvisioningFile; enabled: number; yaml: string } {
  const config = parseStackConfig(text, "stackmon.yml", {});
  const alerts = resolveAlerts(components, config).filter((a) => a.enabled);
  const yaml = renderGrafanaAlerting({
    alerting: alertingSettingsOf(config),
    alerts,
    prometheusUid: PROMETHEUS_DATASOURCE_UID,
    folderUid: GRAFANA_FOLDER,
    evaluationInterval: config.global.evaluation_interval,
  });
  return {
    file: provisioningFile.parse(asGrafanaReadsIt(parse(yaml) as unknown, GRAFANA_ENV)),
    enabled: alerts.length,
    yaml,
  };
}

describe("Grafana-managed alerting provisioning", () => {
  it("follows Grafana's documented file format", () => {
    assert.doesNotThrow(() => rendered());
  });

  it("has every enabled alert, each querying the provisioned Prometheus over a relative time range", () => {
    const { file, enabled } = rendered();
    const rules = file.groups.flatMap((g) => g.rules);
    assert.equal(rules.length, enabled);
    for (const rule of rules) {
      const query = rule.data.find((d) => d.refId === "A");
      assert.equal(query?.datasourceUid, PROMETHEUS_DATASOURCE_UID, rule.title);
      assert.ok(
        rule.data.some((d) => d.refId === rule.condition),
        `${rule.title}: its condition exists`,
      );
      assert.equal(rule.noDataState, "OK", `${rule.title}: healthy series vanish, so no data is OK`);
      assert.ok(rule.labels["severity"], `${rule.title} has a severity`);
    }
    assert.ok(file.groups.every((g) => g.folder === GRAFANA_FOLDER && g.interval === "20s"));
  });

  it("gives every rule a unique uid and title", () => {
    const rules = rendered().file.groups.flatMap((g) => g.rules);
    assert.equal(new Set(rules.map((r) => r.uid)).size, rules.length);
    assert.equal(new Set(rules.map((r) => r.title)).size, rules.length);
  });

  it("reads the value of query A in annotations, as Grafana templates need", () => {
    assert.equal(
      grafanaTemplate("{{ $value | humanize }} of {{ $values.B }}"),
      "{{ $values.A.Value | humanize }} of {{ $values.B }}",
    );
    const annotations = rendered().file.groups.flatMap((g) =>
      g.rules.flatMap((r) => Object.values(r.annotations)),
    );
    assert.ok(annotations.every((a) => !/\$value\b(?!s)/.test(a)));
  });

  it("delivers through Slack-type contact points whose URL comes from the environment", () => {
    const { file } = rendered();
    const critical = file.contactPoints.find((c) => c.name === "mattermost-critical")?.receivers[0];
    assert.equal(critical?.settings["url"], GRAFANA_ENV.STACKMON_MATTERMOST_URL);
    assert.equal(critical?.settings["recipient"], "ops-critical");
    assert.equal(critical?.disableResolveMessage, false);
    const secrets = grafanaAlertingSecrets(alertingSettingsOf(parseStackConfig(CONFIG, "stackmon.yml", {})));
    assert.deepEqual(
      secrets.map((s) => s.name),
      ["STACKMON_MATTERMOST_URL"],
    );
  });

  it("writes the mention into the text while firing, not as mentionChannel, which Mattermost turns into a link", () => {
    const { file } = rendered();
    const settings = (name: string) =>
      file.contactPoints.find((c) => c.name === name)?.receivers[0]?.settings;
    assert.equal(settings("mattermost-critical")?.["mentionChannel"], undefined);
    assert.equal(
      settings("mattermost-critical")?.["text"],
      '{{ if eq .Status "firing" }}@channel\n{{ end }}{{ template "stackmon.text" . }}',
    );
    assert.equal(settings("mattermost-warning")?.["text"], '{{ template "stackmon.text" . }}');
  });

  it("keeps every $ of templates and queries from Grafana's environment expansion", () => {
    const { file, yaml } = rendered();
    const annotations = file.groups.flatMap((g) => g.rules.flatMap((r) => Object.values(r.annotations)));
    assert.ok(annotations.some((a) => a.includes("{{ $labels.instance }}")));
    assert.ok(annotations.some((a) => a.includes("$values.A.Value")));
    assert.match(file.templates[0]?.template ?? "", /\(slice \.Alerts 25\)/);
    // Written as $$ in the file, since a bare $labels would be expanded to nothing.
    assert.match(yaml, /\{\{ \$\$labels\.instance \}\}/);
    assert.equal(interpolatedByGrafana("{{ $labels.instance }}"), "{{ .instance }}");
  });

  it("keeps a $ in a name or URL the user wrote from Grafana's environment expansion", () => {
    const { file } = rendered(
      CONFIG.replace(
        "grafana_url: https://grafana.example.com",
        "grafana_url: https://grafana.example.com/$HOME",
      ).replace("mattermost:\n", 'mattermost:\n    username: "$GF_SECURITY_ADMIN_PASSWORD"\n'),
    );
    const critical = file.contactPoints.find((c) => c.name === "mattermost-critical")?.receivers[0];
    assert.equal(critical?.settings["username"], "$GF_SECURITY_ADMIN_PASSWORD");
    assert.match(file.templates[0]?.template ?? "", /https:\/\/grafana\.example\.com\/\$HOME\/dashboards/);
  });

  it("quotes object matchers, so that a YAML 1.1 reader does not take = for its value type", () => {
    const { yaml } = rendered();
    assert.match(yaml, /object_matchers:\n\s+- \[ ?"severity", "=", "critical" ?\]/);
    assert.doesNotMatch(yaml, /^\s*- =$/m);
  });

  it("routes by severity with the same grouping, and mutes the Watchdog and unrouted severities", () => {
    const { file } = rendered();
    const policy = file.policies[0];
    assert.deepEqual(policy?.group_by, ["alertname", "instance"]);
    const route = (severity: string) =>
      policy?.routes.find((r) => r.object_matchers.some(([k, , v]) => k === "severity" && v === severity));
    assert.equal(route("critical")?.receiver, "mattermost-critical");
    assert.equal(route("critical")?.repeat_interval, "1h");
    assert.equal(route("warning")?.receiver, "mattermost-warning");
    assert.deepEqual(route("info")?.mute_time_intervals, ["stackmon-always"]);
    const watchdog = policy?.routes[0];
    assert.deepEqual(watchdog?.object_matchers, [["alertname", "=", "Watchdog"]]);
    const receivers = new Set([...file.contactPoints.map((c) => c.name)]);
    for (const r of [policy?.receiver, ...(policy?.routes.map((x) => x.receiver) ?? [])])
      assert.ok(receivers.has(r ?? ""), `${r} exists`);
    const muted = new Set(file.muteTimes.map((m) => m.name));
    for (const r of policy?.routes ?? [])
      for (const m of r.mute_time_intervals ?? []) assert.ok(muted.has(m));
  });

  it("uses only templates it defines", () => {
    const { file } = rendered();
    const defined = new Set(
      [...(file.templates[0]?.template ?? "").matchAll(/define "([^"]+)"/g)].map((m) => m[1]),
    );
    const used = file.contactPoints.flatMap((c) =>
      c.receivers.flatMap((r) =>
        [
          ...Object.values(r.settings)
            .join("\n")
            .matchAll(/template "([^"]+)"/g),
        ].map((m) => m[1]),
      ),
    );
    assert.ok(used.length > 0);
    for (const name of used) assert.ok(defined.has(name), `${name} is defined`);
  });

  it("keeps rule uids within Grafana's 40 characters, stable and distinct for long names", () => {
    const long = { name: "AVeryLongAlertNameThatGoesOnAndOnAndOnForever", severity: "critical" } as const;
    const a = ruleUid(long as never);
    assert.ok(a.length <= 40);
    assert.equal(a, ruleUid(long as never));
    assert.notEqual(a, ruleUid({ ...long, name: `${long.name}2` } as never));
  });
});

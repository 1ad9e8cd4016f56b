// stackmon alerts: the whole catalog as this config has it, so people see what will wake them up.
import { alertingSettingsOf, resolveAlerts } from "../alerting/catalog.js";
import { thresholdText } from "../alerting/thresholdText.js";
import type { ResolvedAlert } from "../alerting/alertRule.js";
import { components } from "../components/registry.js";
import { formatTable } from "../lib/textTable.js";
import { loadStackConfig } from "../stack.js";
import { parseCommandArgs } from "./args.js";
import { CONFIG_FLAG_HELP, EXIT, printHelp, type Command } from "./command.js";

export const alertsCommand: Command = {
  name: "alerts",
  summary: "list every alert: component, severity, threshold, for, and whether it is on",
  help: `Usage: stackmon alerts [-c FILE] [--json]

Lists the alert catalog as this configuration has it: each alert's name, component, severity,
threshold and \`for\`, and whether it is on. An alert is off when its component is not enabled or
alerting.rules.<name>.enabled is false. Tune one in stackmon.yml, e.g.
  alerting:
    rules:
      NodeFilesystemAlmostOutOfSpace: {warning: {threshold: 10}, critical: {threshold: 5}}
      NodeCpuHighUtilization: {threshold: 95, for: 30m}

${CONFIG_FLAG_HELP}
      --json            the catalog as JSON`,
  run: (argv) => {
    const args = parseCommandArgs(argv, { json: { type: "boolean", default: false } });
    if (args.help) return Promise.resolve(printHelp(alertsCommand));
    const config = loadStackConfig(args.config);
    const alerts = resolveAlerts(components, config);
    const engine = alertingSettingsOf(config).engine;
    if (args.values["json"] === true) {
      console.log(JSON.stringify({ engine, alerts: alerts.map(alertJson) }, null, 2));
    } else {
      console.log(formatAlerts(alerts, engine));
    }
    return Promise.resolve(EXIT.ok);
  },
};

function alertJson(alert: ResolvedAlert): Record<string, unknown> {
  return {
    name: alert.name,
    component: alert.component,
    severity: alert.severity,
    threshold: alert.threshold
      ? { value: alert.threshold.value, unit: alert.threshold.unit, reads: alert.threshold.reads }
      : null,
    for: alert.for,
    enabled: alert.enabled,
    ...(alert.disabledBy ? { disabledBy: alert.disabledBy } : {}),
    expr: alert.expr,
    summary: alert.summary,
  };
}

export function formatAlerts(alerts: readonly ResolvedAlert[], engine: string): string {
  const state = (a: ResolvedAlert) =>
    a.enabled ? "on" : a.disabledBy === "component" ? "off (component disabled)" : "off (alerting.rules)";
  const on = alerts.filter((a) => a.enabled).length;
  return [
    formatTable([
      ["ALERT", "COMPONENT", "SEVERITY", "THRESHOLD", "FOR", "STATE"],
      ...alerts.map((a) => [a.name, a.component, a.severity, thresholdText(a), a.for, state(a)]),
    ]),
    "",
    `${on} of ${alerts.length} alerts on, evaluated by ${engine === "grafana" ? "Grafana" : "Prometheus and delivered by Alertmanager"}.`,
  ].join("\n");
}

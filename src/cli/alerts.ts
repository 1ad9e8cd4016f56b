// stackmon alerts: the whole catalog as this config has it, so people see what will wake them up.
import { alertingSettingsOf, resolveAlerts } from "../alerting/catalog.js";
import { thresholdText } from "../alerting/thresholdText.js";
import type { ResolvedAlert } from "../alerting/alertRule.js";
import { components } from "../components/registry.js";
import { formatTable } from "../lib/textTable.js";
import {
  formatMaintenance,
  formatRoutes,
  maintenanceRows,
  routeRows,
  whoGetsWhat,
} from "../alerting/routesReport.js";
import { buildRouteTree } from "../alerting/routeTree.js";
import { hostsOfConfig } from "../alerting/selector.js";
import type { Fleet } from "../fleet/fleet.js";
import { loadStackConfig } from "../loadStack.js";
import { parseCommandArgs } from "./args.js";
import { fleetOf, FLEET_FLAGS } from "./fleetArgs.js";
import { CONFIG_FLAG_HELP, EXIT, printHelp, type Command } from "./command.js";

export const alertsCommand: Command = {
  name: "alerts",
  help: `Usage: stackmon alerts [-c FILE] [--routes] [--json]

Lists the alert catalog as this configuration has it: each alert's name, component, severity,
threshold and \`for\`, and whether it is on, then the maintenance windows. An alert is off when
its component is not enabled or alerting.rules.<name>.enabled is false. Tune one in stackmon.yml, e.g.
  alerting:
    rules:
      NodeFilesystemAlmostOutOfSpace: {warning: {threshold: 10}, critical: {threshold: 5}}
      NodeCPUHighUsage: {threshold: 95, for: 30m}

With --routes: who gets what. The routes in the order they are tried (alerting.routes, then the
catch-all alerting.mattermost), each severity's channel and the windows that mute it; then every
host's alerts by component and severity, as the route tree sends them.

${CONFIG_FLAG_HELP}
      --routes          who gets which alert, instead of the catalog
      --json            as JSON`,
  run: (argv) => {
    const args = parseCommandArgs(argv, {
      json: { type: "boolean", default: false },
      routes: { type: "boolean", default: false },
      state: FLEET_FLAGS.state,
    });
    if (args.help) return Promise.resolve(printHelp(alertsCommand));
    const json = args.values["json"] === true;
    if (args.values["routes"] === true) {
      const report = routesReportOf(fleetOf(args));
      console.log(json ? JSON.stringify(report, null, 2) : formatRoutes(report.routes, report.hosts));
      return Promise.resolve(EXIT.ok);
    }
    const config = loadStackConfig(args.config);
    const alerts = resolveAlerts(components, config);
    const alerting = alertingSettingsOf(config);
    const maintenance = maintenanceRows(alerting, hostsOfConfig(config));
    if (json) {
      console.log(
        JSON.stringify({ engine: alerting.engine, alerts: alerts.map(alertJson), maintenance }, null, 2),
      );
    } else {
      console.log(`${formatAlerts(alerts, alerting.engine)}\n\n${formatMaintenance(maintenance)}`);
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

/** The route table and every host's alerts through it; the tree is the fleet's (alerting is shared). */
function routesReportOf(fleet: Fleet) {
  const [first] = fleet.hosts;
  if (!first) return { routes: [], hosts: [] };
  const alerting = alertingSettingsOf(first.config);
  const tree = buildRouteTree(alerting, fleet.hosts);
  return {
    routes: routeRows(tree),
    hosts: whoGetsWhat(
      tree,
      fleet.hosts.map((host) => ({
        host: host.name,
        alerts: resolveAlerts(components, host.config).filter((a) => a.enabled),
      })),
    ),
  };
}

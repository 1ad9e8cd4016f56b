// Who gets what, for people: the routes in the order Alertmanager tries them, each severity's
// channel and the windows that mute it, then every host's alerts by component and severity as
// the route tree sends them (`stackmon alerts --routes`), and the maintenance windows.
import { formatTable } from "../lib/textTable.js";
import { SEVERITIES, type ResolvedAlert, type Severity } from "./alertRule.js";
import type { AlertingSettings } from "./alertingSettings.js";
import { describeHours } from "./maintenance.js";
import type { MattermostRoute } from "./mattermost.js";
import { routeAlert, type Receiver, type RouteNode, type RouteTree } from "./routeTree.js";
import { describeSelector, resolveSelector, type LabelledHost } from "./selector.js";

export interface RouteRow {
  readonly route: string;
  readonly selects: string;
  readonly severity: Severity | "any";
  readonly destination: string;
  readonly mention: string;
  readonly mutedBy: readonly string[];
}

/** "#ops", "#db-oncall (its own webhook)", "the webhook's channel", "nobody". */
export function destinationText(receiver: Receiver): string {
  if (receiver.kind === "nowhere") return "nobody";
  const route: MattermostRoute = receiver.route;
  const channel = route.channel === undefined ? "the webhook's channel" : `#${route.channel}`;
  return route.webhookName === "mattermost" ? channel : `${channel} (its own webhook)`;
}

/** One row per route and severity, in the order they are tried. */
export function routeRows(tree: RouteTree): RouteRow[] {
  const row = (top: RouteNode, node: RouteNode): RouteRow => {
    const receiver = node.receiver ?? tree.receiver;
    const severity = node.matchers.find((m) => m.label === "severity" && m.op === "=")?.value;
    return {
      route: top.name ?? "",
      selects: top.selects ?? "",
      severity: (severity ?? "any") as Severity | "any",
      destination: top.name === "Watchdog" ? "nobody (stackmon verify checks it)" : destinationText(receiver),
      mention: receiver.kind === "mattermost" ? (receiver.route.mention ?? "") : "",
      mutedBy: [...new Set(node.routes.flatMap((r) => r.muteTimeIntervals ?? []))],
    };
  };
  return tree.routes.flatMap((top) => {
    // An owner's node holds its severities; the Watchdog and the catch-all's are leaves themselves.
    const leaves = top.receiver ? [top] : top.routes;
    return leaves.map((leaf) => row(top, leaf));
  });
}

/** A host's enabled alerts, for the who-gets-what table. */
export interface HostAlerts {
  readonly host: string;
  readonly alerts: readonly ResolvedAlert[];
}

export interface WhoGetsWhatRow {
  /** The host, or "(probed sites)" for alerts whose instance is a site's URL. */
  readonly host: string;
  readonly component: string;
  readonly destinations: Readonly<Record<Severity, string>>;
  readonly mutedBy: readonly string[];
}

/**
 * Every host's alerts routed through the tree, by component and severity. A probe alert's
 * instance is the probed site's URL (its promtool case says so), not the host's name, so host
 * routes do not take it: it is shown under "(probed sites)".
 */
export function whoGetsWhat(tree: RouteTree, hosts: readonly HostAlerts[]): WhoGetsWhatRow[] {
  const rows = new Map<
    string,
    { host: string; component: string; by: Map<Severity, Set<string>>; muted: Set<string> }
  >();
  for (const { host, alerts } of hosts) {
    for (const alert of alerts) {
      const site = (alert.tests.fires.expect?.labels["instance"] ?? "").includes("://");
      const where = site ? "(probed sites)" : host;
      const routed = routeAlert(tree, {
        alertname: alert.name,
        severity: alert.severity,
        component: alert.component,
        ...(site ? {} : { instance: host }),
      });
      const key = `${where}\u0000${alert.component}`;
      const row = rows.get(key) ?? {
        host: where,
        component: alert.component,
        by: new Map<Severity, Set<string>>(),
        muted: new Set<string>(),
      };
      const destinations = row.by.get(alert.severity) ?? new Set<string>();
      destinations.add(alert.name === "Watchdog" ? "nobody (verify)" : destinationText(routed.receiver));
      row.by.set(alert.severity, destinations);
      for (const window of routed.muteTimeIntervals) row.muted.add(window);
      rows.set(key, row);
    }
  }
  return [...rows.values()]
    .sort((a, b) => a.host.localeCompare(b.host) || a.component.localeCompare(b.component))
    .map((row) => ({
      host: row.host,
      component: row.component,
      destinations: Object.fromEntries(
        SEVERITIES.map((s) => [s, [...(row.by.get(s) ?? [])].sort().join(", ") || "-"]),
      ) as Record<Severity, string>,
      mutedBy: [...row.muted].sort(),
    }));
}

export interface MaintenanceRow {
  readonly name: string;
  readonly mutes: string;
  readonly when: string;
}

export function maintenanceRows(
  alerting: AlertingSettings,
  hosts: readonly LabelledHost[],
): MaintenanceRow[] {
  return alerting.maintenance.map((window) => ({
    name: window.name,
    mutes: describeSelector(resolveSelector(window, hosts)),
    when: `${window.weekly.map(describeHours).join("; ")} (${window.timezone})`,
  }));
}

export function formatMaintenance(rows: readonly MaintenanceRow[]): string {
  if (rows.length === 0) return "No maintenance windows (alerting.maintenance).";
  return formatTable([["MAINTENANCE", "MUTES", "WHEN"], ...rows.map((r) => [r.name, r.mutes, r.when])]);
}

export function formatRoutes(routes: readonly RouteRow[], who: readonly WhoGetsWhatRow[]): string {
  return [
    formatTable([
      ["ROUTE", "SELECTS", "SEVERITY", "DESTINATION", "MENTION", "MUTED DURING"],
      // A route's name and selection once, on its first severity.
      ...routes.map((r, i) => {
        const repeated = i > 0 && routes[i - 1]?.route === r.route;
        return [
          repeated ? "" : r.route,
          repeated ? "" : r.selects,
          r.severity,
          r.destination,
          r.mention,
          r.mutedBy.join(", "),
        ];
      }),
    ]),
    "",
    "The first route that selects an alert takes it; a severity a route does not name falls to the catch-all.",
    "",
    formatTable([
      ["HOST", "COMPONENT", "CRITICAL", "WARNING", "INFO", "MUTED DURING"],
      ...who.map((r) => [
        r.host,
        r.component,
        r.destinations.critical,
        r.destinations.warning,
        r.destinations.info,
        r.mutedBy.join(", "),
      ]),
    ]),
  ].join("\n");
}

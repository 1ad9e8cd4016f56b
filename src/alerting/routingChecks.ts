// What the schema alone cannot check in owner routes and maintenance windows: every host, label,
// component and alert they name exists; every destination has a webhook; no route hides behind
// an earlier one. Paths point into stackmon.yml (`alerting` is the whole fleet's section).
import type { ConfigIssue, ConfigPath } from "../config/configError.js";
import { SEVERITIES } from "./alertRule.js";
import type { AlertingSettings } from "./alertingSettings.js";
import { ownerSeverities, type OwnerRoute } from "./ownerRoutes.js";
import { buildRouteTree, MAX_WINDOW_COMBINATIONS } from "./routeTree.js";
import { hostsWithLabels, type LabelledHost, type SelectorSettings } from "./selector.js";

export interface RoutingContext {
  /** Every host alerts can come from (the inventory, or this machine). */
  readonly hosts: readonly LabelledHost[];
  /** Whether the hosts come from an inventory (for the messages). */
  readonly inventory: boolean;
  readonly componentIds: readonly string[];
  readonly alertNames: readonly string[];
}

export function routingIssues(alerting: AlertingSettings, context: RoutingContext): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const sections = [
    { key: "routes", items: alerting.routes },
    { key: "maintenance", items: alerting.maintenance },
  ] as const;
  for (const { key, items } of sections) {
    issues.push(...duplicateNames(items, ["alerting", key]));
    items.forEach((item, index) => issues.push(...selectorIssues(item, ["alerting", key, index], context)));
  }
  alerting.routes.forEach((route, index) => {
    issues.push(...webhookIssues(route, ["alerting", "routes", index], alerting));
    issues.push(...shadowIssues(alerting.routes, index));
  });
  if (issues.length === 0) {
    const tree = buildRouteTree(alerting, context.hosts);
    if (tree.overlapsExceeded.length > 0) {
      issues.push({
        path: ["alerting", "maintenance"],
        message: `more than ${MAX_WINDOW_COMBINATIONS} combinations of windows can overlap on the ${tree.overlapsExceeded.join(", ")} route${tree.overlapsExceeded.length === 1 ? "" : "s"}`,
        hint: "give windows disjoint hosts, or merge windows that cover the same alerts into one with several weekly entries",
      });
    }
  }
  return issues;
}

function duplicateNames(items: readonly { readonly name: string }[], path: ConfigPath): ConfigIssue[] {
  const seen = new Set<string>();
  return items.flatMap((item, index): ConfigIssue[] => {
    if (!seen.has(item.name)) {
      seen.add(item.name);
      return [];
    }
    return [{ path: [...path, index, "name"], message: `"${item.name}" is the name of an earlier entry` }];
  });
}

function selectorIssues(
  selector: SelectorSettings,
  path: ConfigPath,
  context: RoutingContext,
): ConfigIssue[] {
  const known = context.hosts.map((h) => h.name);
  const issues: ConfigIssue[] = [];
  (selector.hosts ?? []).forEach((name, index) => {
    if (known.includes(name)) return;
    issues.push({
      path: [...path, "hosts", index],
      message: context.inventory
        ? `no host ${name} in the inventory`
        : `no host ${name}: without an inventory, this machine (${known.join(", ")}) is the only host`,
      hint: context.inventory ? `hosts: ${known.join(", ")}` : "add a hosts: section, or set global.hostname",
    });
  });
  for (const [label, value] of Object.entries(selector.host_labels ?? {})) {
    const values = [
      ...new Set(context.hosts.flatMap((h) => (h.labels[label] === undefined ? [] : [h.labels[label]]))),
    ];
    if (values.length === 0) {
      issues.push({
        path: [...path, "host_labels", label],
        message: `no host has the label ${label}`,
        hint: "set it in hosts.<name>.labels",
      });
    } else if (!values.includes(value)) {
      issues.push({
        path: [...path, "host_labels", label],
        message: `no host has ${label}=${value}`,
        hint: `${label} is ${values.sort().join(", ")}`,
      });
    }
  }
  if (issues.length === 0 && selector.host_labels) {
    const grouped = hostsWithLabels(context.hosts, selector.host_labels);
    const chosen = selector.hosts ? grouped.filter((h) => selector.hosts?.includes(h)) : grouped;
    if (chosen.length === 0) {
      issues.push({
        path: [...path, "host_labels"],
        message: selector.hosts
          ? "none of the hosts listed has these labels: together they select nothing"
          : "no host has all of these labels",
      });
    }
  }
  (selector.components ?? []).forEach((id, index) => {
    if (context.componentIds.includes(id)) return;
    issues.push({
      path: [...path, "components", index],
      message: `no component ${id}`,
      hint: `components: ${[...context.componentIds].sort().join(", ")}`,
    });
  });
  (selector.alerts ?? []).forEach((name, index) => {
    if (name === "Watchdog") {
      issues.push({
        path: [...path, "alerts", index],
        message: "the Watchdog always fires and is never delivered: `stackmon verify` checks it",
      });
    } else if (!context.alertNames.includes(name)) {
      issues.push({
        path: [...path, "alerts", index],
        message: `no alert ${name}`,
        hint: 'see "stackmon alerts" for every alert name',
      });
    }
  });
  return issues;
}

/** Each destination needs a webhook: its own, or alerting.mattermost's. */
function webhookIssues(route: OwnerRoute, path: ConfigPath, alerting: AlertingSettings): ConfigIssue[] {
  const shared =
    alerting.mattermost?.webhook_url_file !== undefined || alerting.mattermost?.webhook_url_env !== undefined;
  return ownerSeverities(route).flatMap(({ severity, destination }): ConfigIssue[] => {
    if (destination.webhook_url_file !== undefined && destination.webhook_url_env !== undefined) {
      return [
        {
          path: [...path, severity, "webhook_url_file"],
          message: "set one of webhook_url_file and webhook_url_env",
        },
      ];
    }
    if (destination.webhook_url_file !== undefined || destination.webhook_url_env !== undefined || shared) {
      return [];
    }
    return [
      {
        path: [...path, severity],
        message: `has no webhook: set alerting.mattermost.webhook_url_file (or _env), or one here`,
      },
    ];
  });
}

/**
 * A route that an earlier one always takes first: every severity it has, the earlier has too,
 * and the earlier selects at least everything it selects. Only clear cases (no matchers).
 */
function shadowIssues(routes: readonly OwnerRoute[], index: number): ConfigIssue[] {
  const later = routes[index];
  if (!later || later.matchers) return [];
  const covers = (wide?: readonly string[], narrow?: readonly string[]) =>
    wide === undefined || (narrow !== undefined && narrow.every((item) => wide.includes(item)));
  const coversLabels = (wide?: Readonly<Record<string, string>>, narrow?: Readonly<Record<string, string>>) =>
    wide === undefined || (narrow !== undefined && Object.entries(wide).every(([k, v]) => narrow[k] === v));
  const earlier = routes
    .slice(0, index)
    .find(
      (route) =>
        !route.matchers &&
        SEVERITIES.every((s) => later[s] === undefined || route[s] !== undefined) &&
        covers(route.hosts, later.hosts) &&
        coversLabels(route.host_labels, later.host_labels) &&
        covers(route.components, later.components) &&
        covers(route.alerts, later.alerts),
    );
  if (!earlier) return [];
  return [
    {
      path: ["alerting", "routes", index, "name"],
      message: `never takes an alert: the route ${earlier.name} before it takes all of them`,
      hint: "put the narrower route first",
    },
  ];
}

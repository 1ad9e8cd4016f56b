// One route tree for both engines: the Watchdog kept out of chat, the owner routes in the order
// they are written (each by severity inside), then the catch-all by severity; under every route
// that delivers, the maintenance windows that can apply to it. Alertmanager's dispatcher and
// Grafana's notification policies (which run Alertmanager's dispatch code) walk it the same way:
// first matching child wins, a route with no matching child takes the alert itself.
import type { Severity } from "./alertRule.js";
import { SEVERITIES } from "./alertRule.js";
import type { AlertingSettings } from "./alertingSettings.js";
import { matchesAll, matchesLabel, oneOf, type LabelMatcher } from "./labelMatcher.js";
import { windowTimeIntervals, type NamedTimeInterval } from "./maintenance.js";
import { mattermostRoutes, type MattermostRoute } from "./mattermost.js";
import { ownerMattermostRoutes } from "./ownerRoutes.js";
import {
  ANYTHING,
  coversSelector,
  describeSelector,
  intersectSelectors,
  resolveSelector,
  selectorMatchers,
  type LabelledHost,
  type Selector,
} from "./selector.js";

/** Nobody (the Watchdog, undelivered severities), or a Mattermost destination. */
export type Receiver =
  { readonly kind: "nowhere" } | { readonly kind: "mattermost"; readonly route: MattermostRoute };

export const NOWHERE: Receiver = { kind: "nowhere" };

export interface RouteNode {
  /** For people (`stackmon alerts --routes`): the route's name and what it selects. */
  readonly name?: string;
  readonly selects?: string;
  readonly matchers: readonly LabelMatcher[];
  /** Absent: the parent's. */
  readonly receiver?: Receiver;
  readonly repeatInterval?: string;
  /** Names of time intervals during which this route delivers nothing (not inherited). */
  readonly muteTimeIntervals?: readonly string[];
  readonly routes: readonly RouteNode[];
}

export interface RouteTree {
  readonly receiver: Receiver;
  readonly groupBy: readonly string[];
  readonly groupWait: string;
  readonly groupInterval: string;
  readonly repeatInterval: string;
  readonly routes: readonly RouteNode[];
  /** Every maintenance window's hours, named after it. */
  readonly timeIntervals: readonly NamedTimeInterval[];
  /** Routes under which more windows overlap than MAX_WINDOW_COMBINATIONS allows (an error). */
  readonly overlapsExceeded: readonly string[];
}

/**
 * A route muted by several windows needs its own child for each combination that can hold at
 * once (Alertmanager mutes a route, not an alert); windows on different hosts never combine.
 */
export const MAX_WINDOW_COMBINATIONS = 64;

interface ResolvedWindow {
  readonly name: string;
  readonly selector: Selector;
}

/**
 * `delivering` false (Grafana evaluates, so Alertmanager delivers nothing): every route goes
 * nowhere, the windows stay listed.
 */
export function buildRouteTree(
  alerting: AlertingSettings,
  hosts: readonly LabelledHost[],
  delivering = true,
): RouteTree {
  const windows: ResolvedWindow[] = alerting.maintenance.map((w) => ({
    name: w.name,
    selector: resolveSelector(w, hosts),
  }));
  const overlapsExceeded: string[] = [];
  /** Routes already tried, by severity: a window they take entirely cannot apply further down. */
  const taken: { selector: Selector; severities: readonly Severity[] }[] = [];
  const leaf = (where: string, parent: Selector, receiver: Receiver, severity: Severity): RouteNode => {
    const reachable = windows.filter(
      (w) =>
        // A window's own matcher on severity may exclude this route's severity.
        w.selector.matchers.every((m) => m.label !== "severity" || matchesLabel(m, { severity })) &&
        !taken.some((t) => t.severities.includes(severity) && coversSelector(t.selector, w.selector)),
    );
    const muted =
      receiver.kind === "nowhere" ? { children: [], exceeded: false } : windowRoutes(parent, reachable);
    if (muted.exceeded) overlapsExceeded.push(where);
    return {
      matchers: [{ label: "severity", op: "=", value: severity }],
      receiver,
      repeatInterval: alerting.repeat_interval[severity],
      routes: muted.children,
    };
  };

  const owners = delivering ? ownerMattermostRoutes(alerting) : [];
  const ownerNodes = alerting.routes.flatMap((owner): RouteNode[] => {
    const selector = resolveSelector(owner, hosts);
    const destinations = owners.filter((r) => r.owner === owner.name);
    if (destinations.length === 0) return [];
    const node: RouteNode = {
      name: owner.name,
      selects: describeSelector(selector),
      matchers: [
        ...selectorMatchers(selector),
        oneOf(
          "severity",
          destinations.map((d) => d.severity),
        ),
      ],
      routes: destinations.map((route) =>
        leaf(`${owner.name} ${route.severity}`, selector, { kind: "mattermost", route }, route.severity),
      ),
    };
    taken.push({ selector, severities: destinations.map((d) => d.severity) });
    return [node];
  });

  const catchAll = delivering ? mattermostRoutes(alerting) : [];
  const severityNodes = SEVERITIES.map((severity) => {
    const route = catchAll.find((r) => r.severity === severity);
    const node = leaf(severity, ANYTHING, route ? { kind: "mattermost", route } : NOWHERE, severity);
    return { ...node, name: "catch-all", selects: "everything else" };
  });

  return {
    receiver: NOWHERE,
    groupBy: alerting.group_by,
    groupWait: alerting.group_wait,
    groupInterval: alerting.group_interval,
    repeatInterval: alerting.repeat_interval.warning,
    routes: [
      // Always firing, so its absence means the pipeline is broken; it is checked by `verify`
      // in Alertmanager itself rather than posted to chat every few hours.
      {
        name: "Watchdog",
        selects: "alert Watchdog",
        matchers: [{ label: "alertname", op: "=", value: "Watchdog" }],
        receiver: NOWHERE,
        routes: [],
      },
      ...ownerNodes,
      ...severityNodes,
    ],
    timeIntervals: alerting.maintenance.map(windowTimeIntervals),
    overlapsExceeded,
  };
}

/**
 * The children of a delivering route that mute it: one per combination of windows that can
 * apply together, the larger combinations first, so that an alert in two windows is muted by
 * both and one in a single window by that one.
 */
function windowRoutes(
  parent: Selector,
  windows: readonly ResolvedWindow[],
): { children: RouteNode[]; exceeded: boolean } {
  const relevant = windows.flatMap((w) => {
    const selector = intersectSelectors(parent, w.selector);
    return selector ? [{ name: w.name, selector }] : [];
  });
  const combinations: { names: string[]; selector: Selector }[] = [];
  let exceeded = false;
  const extend = (start: number, names: string[], selector: Selector) => {
    for (let i = start; i < relevant.length && !exceeded; i++) {
      const window = relevant[i];
      if (!window) continue;
      const together = intersectSelectors(selector, window.selector);
      if (!together) continue;
      if (combinations.length >= MAX_WINDOW_COMBINATIONS) {
        exceeded = true;
        return;
      }
      const combined = { names: [...names, window.name], selector: together };
      combinations.push(combined);
      extend(i + 1, combined.names, together);
    }
  };
  extend(0, [], parent);
  const children = combinations
    .map((c, order) => ({ ...c, order }))
    .sort((a, b) => b.names.length - a.names.length || a.order - b.order)
    .map((c): RouteNode => ({
      matchers: selectorMatchers(c.selector),
      muteTimeIntervals: c.names,
      routes: [],
    }));
  return { children, exceeded };
}

/** Where an alert with these labels ends up, and which windows mute it there. */
export interface RoutedAlert {
  readonly receiver: Receiver;
  readonly muteTimeIntervals: readonly string[];
}

/** Alertmanager's dispatch.Route.Match without `continue`: the deepest first match. */
export function routeAlert(tree: RouteTree, labels: Readonly<Record<string, string>>): RoutedAlert {
  let receiver = tree.receiver;
  let node: { routes: readonly RouteNode[]; muteTimeIntervals?: readonly string[] } = tree;
  for (;;) {
    const next: RouteNode | undefined = node.routes.find((child) => matchesAll(child.matchers, labels));
    if (!next) break;
    receiver = next.receiver ?? receiver;
    node = next;
  }
  return { receiver, muteTimeIntervals: node.muteTimeIntervals ?? [] };
}

// The route tree as Grafana's notification policy tree and mute timings: the same routes as
// alertmanager.yml (Grafana's notifier runs Alertmanager's dispatch code on it), `object_matchers`
// instead of matcher strings, and "nowhere" as the first contact point muted all the time, since
// Grafana has no receiver that drops alerts.
import { ALWAYS, matcher } from "./grafanaAlerting.js";
import { receiverName, type MattermostRoute } from "./mattermost.js";
import type { NamedTimeInterval } from "./maintenance.js";
import type { Receiver, RouteNode, RouteTree } from "./routeTree.js";

/** Grafana's own contact point, there when nothing else is. */
const GRAFANA_DEFAULT = "grafana-default-email";

export function grafanaPolicyTree(
  tree: RouteTree,
  routes: readonly MattermostRoute[],
  orgId: number,
): Record<string, unknown> {
  const first = routes[0];
  const fallback = first ? receiverName(first) : GRAFANA_DEFAULT;
  const policy = (node: RouteNode): Record<string, unknown> => {
    const nowhere = node.receiver?.kind === "nowhere";
    const mutes = [...(nowhere ? [ALWAYS] : []), ...(node.muteTimeIntervals ?? [])];
    return {
      ...(node.receiver ? { receiver: contactPointOf(node.receiver, fallback) } : {}),
      object_matchers: node.matchers.map((m) => matcher(m.label, m.value, m.op)),
      ...(node.repeatInterval ? { repeat_interval: node.repeatInterval } : {}),
      ...(mutes.length > 0 ? { mute_time_intervals: mutes } : {}),
      ...(node.routes.length > 0 ? { routes: node.routes.map(policy) } : {}),
    };
  };
  return {
    orgId,
    // Grafana needs a contact point at the root; nothing reaches it unmatched but through a muted route.
    receiver: contactPointOf(tree.receiver, fallback),
    group_by: tree.groupBy,
    group_wait: tree.groupWait,
    group_interval: tree.groupInterval,
    repeat_interval: tree.repeatInterval,
    routes: tree.routes.map(policy),
  };
}

function contactPointOf(receiver: Receiver, fallback: string): string {
  return receiver.kind === "nowhere" ? fallback : receiverName(receiver.route);
}

/** Grafana's muteTimes: stackmon's always-muted timing, then every maintenance window. */
export function grafanaMuteTimes(tree: RouteTree, orgId: number): Record<string, unknown>[] {
  const always = { name: ALWAYS, time_intervals: [{ times: [{ start_time: "00:00", end_time: "24:00" }] }] };
  const windows: readonly NamedTimeInterval[] = tree.timeIntervals;
  return [always, ...windows].map((interval) => ({ orgId, ...interval }));
}

// The route tree as alertmanager.yml writes it: `route` with its children, and the maintenance
// windows as top-level `time_intervals` (Alertmanager 0.24+, config/config.go TimeIntervals).
import { receiverName } from "../../alerting/mattermost.js";
import { formatLabelMatcher } from "../../alerting/labelMatcher.js";
import type { Receiver, RouteNode, RouteTree } from "../../alerting/routeTree.js";

/** Receives what must not reach chat: the always-firing Watchdog, undelivered severities. */
export const NOWHERE_RECEIVER = "nowhere";

export function alertmanagerReceiverName(receiver: Receiver): string {
  return receiver.kind === "nowhere" ? NOWHERE_RECEIVER : receiverName(receiver.route);
}

export function alertmanagerRouting(tree: RouteTree): Record<string, unknown> {
  return {
    route: {
      receiver: alertmanagerReceiverName(tree.receiver),
      group_by: tree.groupBy,
      group_wait: tree.groupWait,
      group_interval: tree.groupInterval,
      repeat_interval: tree.repeatInterval,
      routes: tree.routes.map(routeNode),
    },
    ...(tree.timeIntervals.length > 0 ? { time_intervals: tree.timeIntervals } : {}),
  };
}

function routeNode(node: RouteNode): Record<string, unknown> {
  return {
    ...(node.receiver ? { receiver: alertmanagerReceiverName(node.receiver) } : {}),
    matchers: node.matchers.map(formatLabelMatcher),
    ...(node.repeatInterval ? { repeat_interval: node.repeatInterval } : {}),
    ...(node.muteTimeIntervals?.length ? { mute_time_intervals: node.muteTimeIntervals } : {}),
    ...(node.routes.length > 0 ? { routes: node.routes.map(routeNode) } : {}),
  };
}

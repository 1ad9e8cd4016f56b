// alertmanager.yml: grouping, the route tree (owners' routes, then one route per severity to its
// Mattermost channel, maintenance windows), inhibition, and the dead man's switch kept out of
// chat. Without a Mattermost section alerts are grouped and kept in Alertmanager (its UI and API)
// without being sent anywhere.
import { stringify } from "yaml";
import type { AlertingSettings } from "../../alerting/alertingSettings.js";
import type { ResolvedAlert } from "../../alerting/alertRule.js";
import type { RouteTree } from "../../alerting/routeTree.js";
import { alertmanagerRouting, NOWHERE_RECEIVER } from "./routeConfig.js";
import {
  firingMention,
  receiverName,
  RESOLVED_COLOR,
  SEVERITY_COLORS,
  type MattermostRoute,
} from "../../alerting/mattermost.js";
import { parseDuration } from "../../lib/duration.js";

/**
 * Labels that tell two alerts of one name apart (a host, a mount point, a site, a backup, a PM2
 * app): a critical silences the warning of the same alert only when they all agree.
 */
const IDENTITY_LABELS = ["alertname", "instance", "job", "mountpoint", "device", "site", "backup", "name"];

export interface AlertmanagerConfigInput {
  readonly alerting: AlertingSettings;
  /** The enabled alerts, for the inhibitions they declare. */
  readonly alerts: readonly ResolvedAlert[];
  /** Every Mattermost destination: the catch-all's severities and the owner routes'. */
  readonly routes: readonly MattermostRoute[];
  /** Who gets what (buildRouteTree), with the maintenance windows. */
  readonly tree: RouteTree;
  /** Path of the message templates, as Alertmanager will see it. */
  readonly templatesPath: string;
  /** Path of each webhook's URL file, by webhook name, as Alertmanager will see it. */
  readonly webhookFile: (webhookName: string) => string;
  /** The dead man's switch outside the host, when configured. */
  readonly heartbeat?: Heartbeat;
}

export interface Heartbeat {
  readonly interval: string;
  /** The ping URL's file, as Alertmanager will see it. */
  readonly urlFile: string;
}

export function renderAlertmanagerConfig(input: AlertmanagerConfigInput): string {
  const { routes } = input;
  const document = {
    ...(routes.length > 0 ? { templates: [input.templatesPath] } : {}),
    ...withHeartbeat(alertmanagerRouting(input.tree), input.heartbeat),
    inhibit_rules: [...inhibitRules(input.alerts), ...(input.heartbeat ? [HEARTBEAT_INHIBITION] : [])],
    receivers: [
      { name: NOWHERE_RECEIVER },
      ...(input.heartbeat ? [heartbeatReceiver(input.heartbeat)] : []),
      ...routes.map((route) => receiver(route, input)),
    ],
  };
  return `# Rendered by stackmon from stackmon.yml; edits are overwritten on the next apply.\n${stringify(document, { lineWidth: 0 })}`;
}

/**
 * What holds what back. Nothing here may hide a real outage: a critical alert holds back only the
 * warning of the very same thing, and the catalog's own declarations (a host that is really
 * unreachable holds back its targets' TargetDown, not the alerts of a host that is up).
 */
function inhibitRules(alerts: readonly ResolvedAlert[]): Record<string, unknown>[] {
  return [
    {
      source_matchers: ['severity="critical"'],
      target_matchers: ['severity=~"warning|info"'],
      equal: IDENTITY_LABELS,
    },
    ...declaredInhibitions(alerts),
  ];
}

// ---- The heartbeat ---------------------------------------------------------------------------

const HEARTBEAT = "heartbeat";

/** The route tree with the Watchdog's route (to nowhere) sent to the heartbeat instead. */
function withHeartbeat(
  routing: Record<string, unknown>,
  heartbeat: Heartbeat | undefined,
): Record<string, unknown> {
  if (!heartbeat) return routing;
  const route = routing["route"] as { routes: { matchers?: string[] }[] };
  const isWatchdog = (r: { matchers?: string[] }) =>
    r.matchers?.length === 1 && r.matchers[0] === 'alertname="Watchdog"';
  return {
    ...routing,
    route: { ...route, routes: route.routes.map((r) => (isWatchdog(r) ? heartbeatRoute(heartbeat) : r)) },
  };
}

/**
 * The Watchdog, to the ping URL every `interval`. Alertmanager repeats a notification only when a
 * group is flushed, so the group is flushed often (at most every 10 s): the pings are then at most
 * that much later than the interval, rather than a whole interval.
 */
function heartbeatRoute(heartbeat: Heartbeat): Record<string, unknown> {
  const flushSeconds = Math.min(10, Math.max(1, Math.floor((parseDuration(heartbeat.interval) ?? 0) / 1000)));
  return {
    receiver: HEARTBEAT,
    matchers: ['alertname="Watchdog"'],
    group_wait: "0s",
    group_interval: `${flushSeconds}s`,
    repeat_interval: heartbeat.interval,
  };
}

/**
 * Alertmanager 0.25 reads no webhook URL from a file (webhook_configs.url_file came in 0.26), and a
 * URL written into alertmanager.yml would be shown by its /api/v2/status. Its Slack integration
 * does read its URL from a file, and a healthchecks-style endpoint takes any POST as a ping.
 */
function heartbeatReceiver(heartbeat: Heartbeat): Record<string, unknown> {
  return {
    name: HEARTBEAT,
    slack_configs: [
      {
        api_url_file: heartbeat.urlFile,
        send_resolved: false,
        title: "stackmon heartbeat",
        text: "{{ .CommonAnnotations.summary }}",
      },
    ],
  };
}

/**
 * While alerts cannot be delivered (a dead Mattermost hook), the heartbeat stops, so that the
 * service outside notices what chat no longer can.
 */
const HEARTBEAT_INHIBITION = {
  source_matchers: ['alertname="AlertmanagerFailedToSendAlerts"'],
  target_matchers: ['alertname="Watchdog"'],
  equal: [],
};

/** What the catalog declares: while one alert fires for a target, others of it are held back. */
function declaredInhibitions(alerts: readonly ResolvedAlert[]): Record<string, unknown>[] {
  const enabled = new Set(alerts.map((a) => a.name));
  const sources = [...new Set(alerts.filter((a) => a.inhibits?.length).map((a) => a.name))].sort();
  return sources.flatMap((source) => {
    const targets = [
      ...new Set(alerts.filter((a) => a.name === source).flatMap((a) => a.inhibits ?? [])),
    ].filter((name) => enabled.has(name));
    if (targets.length === 0) return [];
    return [
      {
        source_matchers: [`alertname="${source}"`],
        target_matchers: [`alertname=~"${targets.sort().join("|")}"`],
        equal: ["instance"],
      },
    ];
  });
}

function receiver(route: MattermostRoute, input: AlertmanagerConfigInput): Record<string, unknown> {
  // Alertmanager 0.25's Slack integration sends attachments only; the mention goes in the pretext,
  // shown above the message, where Mattermost notifies for it as in a post's own text.
  const mention = route.mention ? firingMention(route.mention) : undefined;
  return {
    name: receiverName(route),
    slack_configs: [
      {
        api_url_file: input.webhookFile(route.webhookName),
        ...(route.channel ? { channel: route.channel } : {}),
        username: route.username,
        ...(route.iconUrl ? { icon_url: route.iconUrl } : {}),
        // Slack's default is false; people want to know when it is over.
        send_resolved: true,
        color: `{{ if eq .Status "firing" }}${SEVERITY_COLORS[route.severity]}{{ else }}${RESOLVED_COLOR}{{ end }}`,
        title: '{{ template "stackmon.title" . }}',
        ...(mention ? { pretext: mention } : {}),
        text: '{{ template "stackmon.text" . }}',
        fallback: '{{ template "stackmon.fallback" . }}',
      },
    ],
  };
}

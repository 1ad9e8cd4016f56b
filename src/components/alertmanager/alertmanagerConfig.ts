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
}

export function renderAlertmanagerConfig(input: AlertmanagerConfigInput): string {
  const { routes } = input;
  const document = {
    ...(routes.length > 0 ? { templates: [input.templatesPath] } : {}),
    ...alertmanagerRouting(input.tree),
    inhibit_rules: [
      {
        // The host's node exporter is unreachable: the host is down, and what else it says is noise.
        source_matchers: ['alertname="TargetDown"', 'job="node"'],
        target_matchers: ['alertname!="Watchdog"'],
        equal: ["instance"],
      },
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity=~"warning|info"'],
        equal: IDENTITY_LABELS,
      },
      ...declaredInhibitions(input.alerts),
    ],
    receivers: [{ name: NOWHERE_RECEIVER }, ...routes.map((route) => receiver(route, input))],
  };
  return `# Rendered by stackmon from stackmon.yml; edits are overwritten on the next apply.\n${stringify(document, { lineWidth: 0 })}`;
}

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

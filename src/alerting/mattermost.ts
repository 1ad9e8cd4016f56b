// Delivery to Mattermost, shared by both engines: one route per severity (its channel, mention and
// webhook secret), and the message templates. Mattermost takes Slack-style attachments on its
// incoming webhooks, so both Alertmanager and Grafana deliver through their Slack integrations.
import { secretRefFrom } from "../config/schemaParts.js";
import type { SecretRef } from "../render/desiredState.js";
import { SEVERITIES, type Severity } from "./alertRule.js";
import type { AlertingSettings } from "./alertingSettings.js";

export interface MattermostRoute {
  readonly severity: Severity;
  /** The owner route (alerting.routes) it belongs to; absent for the catch-all. */
  readonly owner?: string;
  readonly channel?: string;
  readonly mention?: string;
  readonly webhook: SecretRef;
  /** A short stable name for the webhook, shared by severities that use the same hook. */
  readonly webhookName: string;
  readonly username: string;
  readonly iconUrl?: string;
}

/** The receiver (Alertmanager) and contact point (Grafana) name of a route. */
export function receiverName(route: Pick<MattermostRoute, "severity" | "owner">): string {
  return route.owner === undefined
    ? `mattermost-${route.severity}`
    : `mattermost-${route.owner}-${route.severity}`;
}

/** Colour of the attachment's side bar, by severity; resolved messages are green. */
export const SEVERITY_COLORS: Readonly<Record<Severity, string>> = {
  critical: "#d00000",
  warning: "#f2a900",
  info: "#439fe0",
};
export const RESOLVED_COLOR = "#2eb886";

/** The severities that are delivered, each with where to; empty without a Mattermost section. */
export function mattermostRoutes(alerting: AlertingSettings): MattermostRoute[] {
  const mattermost = alerting.mattermost;
  if (!mattermost) return [];
  const shared = secretRefFrom(mattermost.webhook_url_file, mattermost.webhook_url_env, [
    "alerting",
    "mattermost",
    "webhook_url",
  ]);
  return SEVERITIES.flatMap((severity): MattermostRoute[] => {
    const route = mattermost[severity];
    if (!route) return [];
    const own = secretRefFrom(route.webhook_url_file, route.webhook_url_env, [
      "alerting",
      "mattermost",
      severity,
      "webhook_url",
    ]);
    const webhook = own ?? shared;
    // Validation guarantees a webhook for every configured severity.
    if (!webhook) throw new Error(`no webhook for ${severity} after validation`);
    return [
      {
        severity,
        ...(route.channel !== undefined ? { channel: route.channel } : {}),
        ...(route.mention !== undefined ? { mention: route.mention } : {}),
        webhook,
        webhookName: own ? `mattermost-${severity}` : "mattermost",
        username: mattermost.username,
        ...(mattermost.icon_url !== undefined ? { iconUrl: mattermost.icon_url } : {}),
      },
    ];
  });
}

/** Alerts listed one by one in a message; the rest are counted, with a link to all of them. */
export const LISTED_ALERTS = 25;
/** An annotation longer than this (in runes) is cut: a label value can be of any length. */
export const ANNOTATION_MAX_RUNES = 400;

/**
 * A Go template that prints a string from an alert (its summary or description, which carry
 * label values from exporters and reports) so that it can neither notify nor link in Mattermost:
 * cut to ANNOTATION_MAX_RUNES, on one line (no Markdown blocks), a zero-width space after every
 * "@" (Mattermost splits mention words there), "<" and "[" replaced by look-alikes (no
 * <!channel>, <url|text>, autolinks or Markdown links), and a zero-width space inside "://" and
 * "www." (no bare links). Our own summaries use none of these.
 */
const PLAIN_TEMPLATE = String.raw`{{ define "stackmon.plain" -}}
{{ . | reReplaceAll "(?s)^(.{${ANNOTATION_MAX_RUNES}}).+$" "$1…" | reReplaceAll "[\r\n]+" " " | reReplaceAll "@" "@\u200b" | reReplaceAll "<" "‹" | reReplaceAll "\\[" "［" | reReplaceAll "\\]" "］" | reReplaceAll "://" ":/\u200b/" | reReplaceAll "(?i)(www)\\." "$1\u200b." }}
{{- end }}`;

/**
 * Go templates for the message, valid for Alertmanager and Grafana alike (both expose .Status,
 * .Alerts with .Labels/.Annotations/.GeneratorURL, .CommonLabels, .GroupLabels and
 * .ExternalURL). Mattermost Markdown: **bold**, [text](url); no Slack-only syntax. A message
 * lists at most LISTED_ALERTS alerts, so a group of thousands still fits in one request
 * (Mattermost refuses bodies over 300,000 bytes, and Alertmanager does not retry a 4xx).
 */
export function messageTemplates(options: {
  engine: "alertmanager" | "grafana";
  grafanaUrl?: string;
}): string {
  const alertmanager = options.engine === "alertmanager";
  // Alertmanager has no per-alert silence link, so the footer has one for the group; Grafana
  // gives each alert its own (.SilenceURL).
  const silence = alertmanager ? "" : "{{ if .SilenceURL }} · [Silence]({{ .SilenceURL }}){{ end }}";
  const groupFilter =
    "%7B{{ range $i, $pair := .GroupLabels.SortedPairs }}{{ if $i }}%2C{{ end }}{{ $pair.Name | urlquery }}%3D%22{{ $pair.Value | urlquery }}%22{{ end }}%7D";
  const allAlerts = alertmanager
    ? `{{ .ExternalURL }}/#/alerts?receiver={{ .Receiver | urlquery }}&filter=${groupFilter}`
    : '{{ reReplaceAll "/$" "" .ExternalURL }}/alerting/groups';
  const footer = [
    ...(alertmanager
      ? [
          "[Silence]({{ .ExternalURL }}/#/silences/new?filter=%7Balertname%3D%22{{ .CommonLabels.alertname | urlquery }}%22%7D)",
        ]
      : []),
    ...(options.grafanaUrl
      ? [`[Dashboards](${options.grafanaUrl.replace(/\/$/, "")}/dashboards/f/stackmon)`]
      : []),
  ].join(" · ");
  return `{{/* Rendered by stackmon: Mattermost messages. */}}
{{ define "stackmon.title" -}}
{{ if eq .Status "firing" }}{{ template "stackmon.severity" .CommonLabels.severity }}{{ else }}Resolved{{ end }}:
{{- if eq (len .Alerts) 1 }} {{ template "stackmon.plain" (index .Alerts 0).Annotations.summary }}
{{- else }} {{ len .Alerts }} × {{ .CommonLabels.alertname }}{{ end }}
{{- end }}

{{ define "stackmon.severity" -}}
{{ if eq . "critical" }}Critical{{ else if eq . "warning" }}Warning{{ else if eq . "info" }}Info{{ else }}Alert{{ end }}
{{- end }}

{{ define "stackmon.text" -}}
{{ if eq (len .Alerts) 1 -}}
{{ with index .Alerts 0 }}{{ template "stackmon.plain" .Annotations.description }}
{{ template "stackmon.links" . }}${footer ? ' · {{ template "stackmon.footer" $ }}' : ""}{{ end }}
{{- else -}}
{{ range $i, $alert := .Alerts }}{{ if lt $i ${LISTED_ALERTS} -}}
{{ if eq .Status "firing" }}:red_circle:{{ else }}:white_check_mark:{{ end }} **{{ template "stackmon.plain" .Annotations.summary }}**
{{ template "stackmon.plain" .Annotations.description }}
{{ template "stackmon.links" . }}
{{ end }}{{ end -}}
{{ if gt (len .Alerts) ${LISTED_ALERTS} -}}
…and {{ len (slice .Alerts ${LISTED_ALERTS}) }} more: [see all {{ len .Alerts }}](${allAlerts})
{{ end -}}
{{ template "stackmon.footer" . }}
{{- end }}
{{- end }}

{{ define "stackmon.links" -}}
[Graph]({{ .GeneratorURL }}){{ if .Annotations.runbook_url }} · [Runbook]({{ .Annotations.runbook_url }}){{ end }}${silence}
{{- end }}

{{ define "stackmon.footer" -}}
${footer}
{{- end }}

{{ define "stackmon.fallback" -}}
{{ template "stackmon.title" . }}
{{- end }}

${PLAIN_TEMPLATE}
`;
}

/**
 * The mention written into a firing message, and nothing once it is resolved. Mattermost
 * notifies for mentions in an attachment's pretext and text (notification.go,
 * getMentionsEnabledFields). The mention is validated (MENTION_PATTERN): no template syntax.
 */
export function firingMention(mention: string, separator = ""): string {
  return `{{ if eq .Status "firing" }}${mention}${separator}{{ end }}`;
}

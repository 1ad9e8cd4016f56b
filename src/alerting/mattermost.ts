// Delivery to Mattermost, shared by both engines: one route per severity (its channel, mention and
// webhook secret), and the message templates. Mattermost takes Slack-style attachments on its
// incoming webhooks, so both Alertmanager and Grafana deliver through their Slack integrations.
import { secretRefFrom } from "../config/schemaParts.js";
import type { SecretRef } from "../render/desiredState.js";
import { SEVERITIES, type Severity } from "./alertRule.js";
import type { AlertingSettings } from "./alertingSettings.js";

export interface MattermostRoute {
  readonly severity: Severity;
  readonly channel?: string;
  readonly mention?: string;
  readonly webhook: SecretRef;
  /** A short stable name for the webhook, shared by severities that use the same hook. */
  readonly webhookName: string;
  readonly username: string;
  readonly iconUrl?: string;
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

/**
 * Go templates for the message, valid for Alertmanager and Grafana alike (both expose .Status,
 * .Alerts with .Labels/.Annotations/.GeneratorURL, .CommonLabels and .ExternalURL). Mattermost
 * Markdown: **bold**, [text](url); no Slack-only syntax.
 */
export function messageTemplates(options: {
  engine: "alertmanager" | "grafana";
  grafanaUrl?: string;
}): string {
  // Alertmanager has no per-alert silence link, so the footer has one for the group; Grafana
  // gives each alert its own (.SilenceURL).
  const silence =
    options.engine === "grafana" ? "{{ if .SilenceURL }} · [Silence]({{ .SilenceURL }}){{ end }}" : "";
  const footer = [
    ...(options.engine === "alertmanager"
      ? [
          "[Silence]({{ .ExternalURL }}/#/silences/new?filter=%7Balertname%3D%22{{ .CommonLabels.alertname }}%22%7D)",
        ]
      : []),
    ...(options.grafanaUrl
      ? [`[Dashboards](${options.grafanaUrl.replace(/\/$/, "")}/dashboards/f/stackmon)`]
      : []),
  ].join(" · ");
  return `{{/* Rendered by stackmon: Mattermost messages. */}}
{{ define "stackmon.title" -}}
{{ if eq .Status "firing" }}{{ template "stackmon.severity" .CommonLabels.severity }}{{ else }}Resolved{{ end }}:
{{- if eq (len .Alerts) 1 }} {{ (index .Alerts 0).Annotations.summary }}
{{- else }} {{ len .Alerts }} × {{ .CommonLabels.alertname }}{{ end }}
{{- end }}

{{ define "stackmon.severity" -}}
{{ if eq . "critical" }}Critical{{ else if eq . "warning" }}Warning{{ else if eq . "info" }}Info{{ else }}Alert{{ end }}
{{- end }}

{{ define "stackmon.text" -}}
{{ if eq (len .Alerts) 1 -}}
{{ with index .Alerts 0 }}{{ .Annotations.description }}
{{ template "stackmon.links" . }}${footer ? ' · {{ template "stackmon.footer" $ }}' : ""}{{ end }}
{{- else -}}
{{ range .Alerts -}}
{{ if eq .Status "firing" }}:red_circle:{{ else }}:white_check_mark:{{ end }} **{{ .Annotations.summary }}**
{{ .Annotations.description }}
{{ template "stackmon.links" . }}
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
`;
}

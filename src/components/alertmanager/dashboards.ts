// The Alertmanager dashboard: whether alerts reach people. Configuration, active alerts and
// silences, failed notifications on top; then alerts received and notifications per integration.
import type { DashboardSpec } from "../component.js";
import { buildDashboard, type DashboardRow } from "../../dashboards/dashboard.js";
import { booleanMappings, statPanel, timeseriesPanel } from "../../dashboards/panels.js";
import { badWhenAny, okWhenOne } from "../../dashboards/thresholds.js";
import { instanceVariable } from "../../dashboards/variables.js";

const JOB = "alertmanager";
const SEL = `job="${JOB}", instance=~"$instance"`;

export function alertmanagerDashboards(): readonly DashboardSpec[] {
  const health: DashboardRow = {
    title: "Health",
    panels: [
      statPanel({
        title: "Configuration",
        description: "Whether the last configuration reload succeeded.",
        unit: "none",
        queries: [{ expr: `alertmanager_config_last_reload_successful{${SEL}}`, legend: "{{instance}}" }],
        mappings: booleanMappings("LOADED", "FAILED"),
        thresholds: okWhenOne(),
      }),
      statPanel({
        title: "Active alerts",
        description: "Alerts Alertmanager holds that are neither silenced nor inhibited.",
        unit: "none",
        queries: [
          { expr: `sum by (instance) (alertmanager_alerts{${SEL}, state="active"})`, legend: "{{instance}}" },
        ],
      }),
      statPanel({
        title: "Silences",
        description: "Silences in force.",
        unit: "none",
        queries: [{ expr: `alertmanager_silences{${SEL}, state="active"}`, legend: "{{instance}}" }],
      }),
      statPanel({
        title: "Failed notifications",
        description: "Notifications that could not be delivered in the dashboard's time range.",
        unit: "none",
        queries: [
          {
            expr: `sum by (instance) (increase(alertmanager_notifications_failed_total{${SEL}}[$__range]))`,
            legend: "{{instance}}",
          },
        ],
        thresholds: badWhenAny(),
        decimals: 0,
      }),
    ],
  };

  const traffic: DashboardRow = {
    title: "Alerts and notifications",
    panels: [
      timeseriesPanel({
        title: "Alerts received",
        description: "Alerts received from Prometheus per second, firing and resolved.",
        unit: "ops",
        queries: [
          {
            expr: `sum by (instance, status) (rate(alertmanager_alerts_received_total{${SEL}}[$__rate_interval]))`,
            legend: "{{instance}} {{status}}",
          },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Alerts by state",
        description: "Alerts held: active, or suppressed by a silence or an inhibition.",
        unit: "none",
        queries: [{ expr: `alertmanager_alerts{${SEL}}`, legend: "{{instance}} {{state}}" }],
        min: 0,
      }),
      timeseriesPanel({
        title: "Notifications",
        description:
          "Notifications sent and failed per second, per integration (Mattermost is the slack one).",
        unit: "ops",
        queries: [
          {
            expr: `rate(alertmanager_notifications_total{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} {{integration}} sent",
          },
          {
            expr: `rate(alertmanager_notifications_failed_total{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} {{integration}} failed",
          },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Notification latency",
        description: "Mean time to deliver a notification, per integration.",
        unit: "s",
        queries: [
          {
            expr: `rate(alertmanager_notification_latency_seconds_sum{${SEL}}[$__rate_interval]) / rate(alertmanager_notification_latency_seconds_count{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} {{integration}}",
          },
        ],
        min: 0,
        emptyWhen:
          "no notification was sent in the time range (Watchdog and other info alerts are delivered only when alerting.mattermost.info is set)",
      }),
    ],
  };

  return [
    buildDashboard({
      uid: "stackmon-alertmanager",
      title: "Alertmanager",
      description:
        "Whether alerts reach people: configuration, active alerts and silences, notifications per integration.",
      tags: ["alertmanager"],
      variables: [instanceVariable(JOB)],
      rows: [health, traffic],
      health: `min(up{job="${JOB}"}) * min(alertmanager_config_last_reload_successful{job="${JOB}"})`,
    }),
  ];
}

// The Prometheus dashboard: the monitoring itself. Configuration, rule evaluation, the way to
// Alertmanager and storage on top; then ingestion, rules, notifications, queries and storage.
import type { DashboardSpec, StackContext } from "../component.js";
import type { PrometheusSettings } from "./index.js";
import { buildDashboard, type DashboardRow } from "../../dashboards/dashboard.js";
import { booleanMappings, statPanel, timeseriesPanel } from "../../dashboards/panels.js";
import {
  alertThreshold,
  badWhenAny,
  highIsBad,
  lowIsBad,
  okWhenOne,
  type AlertThresholdRef,
} from "../../dashboards/thresholds.js";
import { instanceVariable } from "../../dashboards/variables.js";

const JOB = "prometheus";
const SEL = `job="${JOB}", instance=~"$instance"`;

export const PROMETHEUS_THRESHOLDS = {
  notificationQueue: { alert: "PrometheusNotificationQueueRunningFull", unit: "percent", fallback: 50 },
} as const satisfies Record<string, AlertThresholdRef>;

export function prometheusDashboards(
  settings: PrometheusSettings,
  stack: StackContext,
): readonly DashboardSpec[] {
  // With Grafana evaluating the alerts, Prometheus has no Alertmanager to talk to.
  const alertmanager = stack.alerting.engine === "alertmanager";
  const t = (ref: AlertThresholdRef) => alertThreshold(stack.alerts, ref);

  const health: DashboardRow = {
    title: "Health",
    panels: [
      statPanel({
        title: "Configuration",
        description:
          "Whether the last configuration reload succeeded; after a failure Prometheus runs the previous one.",
        unit: "none",
        queries: [{ expr: `prometheus_config_last_reload_successful{${SEL}}`, legend: "{{instance}}" }],
        mappings: booleanMappings("LOADED", "FAILED"),
        thresholds: okWhenOne(),
      }),
      statPanel({
        title: "Rule failures",
        description:
          "Rule evaluations that failed in the dashboard's time range; each failure may be a missed alert.",
        unit: "none",
        queries: [
          {
            expr: `sum by (instance) (increase(prometheus_rule_evaluation_failures_total{${SEL}}[$__range]))`,
            legend: "{{instance}}",
          },
        ],
        thresholds: badWhenAny(),
        decimals: 0,
      }),
      ...(alertmanager
        ? [
            statPanel({
              title: "Alertmanagers",
              description: "Alertmanagers Prometheus sends alerts to; with none, alerts reach nobody.",
              unit: "none",
              queries: [
                { expr: `prometheus_notifications_alertmanagers_discovered{${SEL}}`, legend: "{{instance}}" },
              ],
              thresholds: lowIsBad({ critical: 1 }),
            }),
          ]
        : []),
      statPanel({
        title: "Series",
        description: "Series in the in-memory head block: what memory use grows with.",
        unit: "short",
        queries: [{ expr: `prometheus_tsdb_head_series{${SEL}}`, legend: "{{instance}}" }],
      }),
      statPanel({
        title: "Storage",
        description:
          "Bytes of persisted blocks on disk (the last two hours live in memory and the WAL first).",
        unit: "bytes",
        queries: [{ expr: `prometheus_tsdb_storage_blocks_bytes{${SEL}}`, legend: "{{instance}}" }],
      }),
      statPanel({
        title: "Uptime",
        description: "Time since Prometheus started.",
        unit: "s",
        queries: [{ expr: `time() - process_start_time_seconds{${SEL}}`, legend: "{{instance}}" }],
        decimals: 0,
      }),
    ],
  };

  const ingestion: DashboardRow = {
    title: "Ingestion and storage",
    panels: [
      timeseriesPanel({
        title: "Samples ingested",
        description: "Samples appended to the head block per second.",
        unit: "cps",
        queries: [
          {
            expr: `rate(prometheus_tsdb_head_samples_appended_total{${SEL}}[$__rate_interval])`,
            legend: "{{instance}}",
          },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Series",
        description: "Series in the head block over time; a jump means new label values (churn).",
        unit: "short",
        queries: [{ expr: `prometheus_tsdb_head_series{${SEL}}`, legend: "{{instance}} series" }],
        min: 0,
      }),
      timeseriesPanel({
        title: "Storage failures",
        description: "Failed compactions, WAL truncations and WAL writes per second: each risks losing data.",
        unit: "ops",
        queries: [
          {
            expr: `rate(prometheus_tsdb_compactions_failed_total{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} compactions",
          },
          {
            expr: `rate(prometheus_tsdb_wal_truncations_failed_total{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} WAL truncations",
          },
          {
            expr: `rate(prometheus_tsdb_wal_writes_failed_total{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} WAL writes",
          },
        ],
        thresholds: badWhenAny(),
        min: 0,
      }),
      timeseriesPanel({
        title: "Query duration",
        description: "90th percentile of the time queries spend evaluating (dashboards, rules, API).",
        unit: "s",
        queries: [
          {
            expr: `prometheus_engine_query_duration_seconds{${SEL}, slice="inner_eval", quantile="0.9"}`,
            legend: "{{instance}}",
          },
        ],
        min: 0,
      }),
    ],
  };

  const rules: DashboardRow = {
    title: "Rules and notifications",
    panels: [
      timeseriesPanel({
        title: "Rule group duration",
        description: "How long each rule group's last evaluation took, against its interval.",
        unit: "s",
        queries: [
          {
            expr: `prometheus_rule_group_last_duration_seconds{${SEL}}`,
            legend: "{{instance}} {{rule_group}}",
          },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Rule evaluations",
        description: "Rule evaluations and failed ones per second.",
        unit: "ops",
        queries: [
          {
            expr: `sum by (instance) (rate(prometheus_rule_evaluations_total{${SEL}}[$__rate_interval]))`,
            legend: "{{instance}} evaluations",
          },
          {
            expr: `sum by (instance) (rate(prometheus_rule_evaluation_failures_total{${SEL}}[$__rate_interval]))`,
            legend: "{{instance}} failures",
          },
        ],
        min: 0,
      }),
      ...(alertmanager
        ? [
            timeseriesPanel({
              title: "Notifications to Alertmanager",
              description: "Alerts sent to Alertmanager per second, and those that failed or were dropped.",
              unit: "ops",
              queries: [
                {
                  expr: `sum by (instance) (rate(prometheus_notifications_sent_total{${SEL}}[$__rate_interval]))`,
                  legend: "{{instance}} sent",
                },
                {
                  expr: `sum by (instance) (rate(prometheus_notifications_errors_total{${SEL}}[$__rate_interval]))`,
                  legend: "{{instance}} errors",
                },
                {
                  expr: `rate(prometheus_notifications_dropped_total{${SEL}}[$__rate_interval])`,
                  legend: "{{instance}} dropped",
                },
              ],
              min: 0,
            }),
            timeseriesPanel({
              title: "Notification queue",
              description:
                "Alerts waiting to be sent to Alertmanager, as a share of the queue's capacity; the dashed line is the queue alert's threshold.",
              unit: "percent",
              queries: [
                {
                  expr: `100 * prometheus_notifications_queue_length{${SEL}} / prometheus_notifications_queue_capacity{${SEL}}`,
                  legend: "{{instance}}",
                },
              ],
              thresholds: highIsBad({ warning: t(PROMETHEUS_THRESHOLDS.notificationQueue) }),
              min: 0,
              max: 100,
            }),
          ]
        : []),
    ],
  };

  return [
    buildDashboard({
      uid: "stackmon-prometheus",
      title: "Prometheus",
      description:
        "The monitoring itself: configuration, rules, notifications to Alertmanager, ingestion and storage.",
      tags: ["prometheus"],
      variables: [instanceVariable(JOB)],
      rows: [health, ingestion, rules, ...(writesRemotely(settings, stack) ? [remoteWriteRow()] : [])],
      health: `min(up{job="${JOB}"}) * min(prometheus_config_last_reload_successful{job="${JOB}"})`,
    }),
  ];
}

/** Whether this Prometheus writes anywhere: its own remote_write, or the stack's storage. */
function writesRemotely(
  settings: { readonly remote_write: readonly unknown[] },
  stack: StackContext,
): boolean {
  return settings.remote_write.length > 0 || stack.endpoints.some((e) => e.role === "storage");
}

/** What reaches long-term storage: samples sent and refused, and how far behind each queue is. */
function remoteWriteRow(): DashboardRow {
  const queue = `${SEL}, remote_name=~".+"`;
  return {
    title: "Remote write",
    panels: [
      timeseriesPanel({
        title: "Samples written",
        description: "Samples per second sent to each remote-write receiver, and those it refused for good.",
        unit: "short",
        queries: [
          {
            expr: `rate(prometheus_remote_storage_samples_total{${queue}}[$__rate_interval])`,
            legend: "{{instance}} {{remote_name}} sent",
          },
          {
            expr: `rate(prometheus_remote_storage_samples_failed_total{${queue}}[$__rate_interval])`,
            legend: "{{instance}} {{remote_name}} refused",
          },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Behind",
        description:
          "How much older than the newest sample the newest one each receiver has is; past about 2 hours, samples are lost.",
        unit: "s",
        queries: [
          {
            expr: `prometheus_remote_storage_highest_timestamp_in_seconds{${SEL}} - ignoring(remote_name, url) group_right prometheus_remote_storage_queue_highest_sent_timestamp_seconds{${queue}}`,
            legend: "{{instance}} {{remote_name}}",
          },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Pending and shards",
        description:
          "Samples waiting to be sent, and the parallel senders Prometheus runs for each receiver.",
        unit: "short",
        queries: [
          {
            expr: `prometheus_remote_storage_samples_pending{${queue}}`,
            legend: "{{instance}} {{remote_name}} pending",
          },
          {
            expr: `prometheus_remote_storage_shards{${queue}}`,
            legend: "{{instance}} {{remote_name}} shards",
          },
        ],
        min: 0,
      }),
    ],
  };
}

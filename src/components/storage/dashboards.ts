// The storage dashboard: whether history is being kept. Up, writable, free space and time left on
// top; then what arrives (samples, writes, drops, the pair's duplicates) and what is kept.
import type { DashboardSpec, StackContext } from "../component.js";
import { buildDashboard, type DashboardRow } from "../../dashboards/dashboard.js";
import { booleanMappings, statPanel, timeseriesPanel } from "../../dashboards/panels.js";
import {
  alertThreshold,
  badWhenAny,
  lowIsBad,
  okWhenOne,
  type AlertThresholdRef,
} from "../../dashboards/thresholds.js";
import { instanceVariable } from "../../dashboards/variables.js";
import { STORAGE_JOB } from "./alerts.js";

const SEL = `job="${STORAGE_JOB}", instance=~"$instance"`;
const WRITES = `${SEL}, path="/api/v1/write"`;

export const STORAGE_THRESHOLDS = {
  daysLeft: { alert: "VictoriaMetricsDiskFillingUp", unit: "days", fallback: 3 },
} as const satisfies Record<string, AlertThresholdRef>;

export function storageDashboards<S>(_settings: S, stack: StackContext): readonly DashboardSpec[] {
  const daysLeft = alertThreshold(stack.alerts, STORAGE_THRESHOLDS.daysLeft);
  const health: DashboardRow = {
    title: "Health",
    panels: [
      statPanel({
        title: "Up",
        description: "Whether Prometheus reaches VictoriaMetrics.",
        unit: "none",
        queries: [{ expr: `up{${SEL}}`, legend: "{{instance}}" }],
        mappings: booleanMappings("UP", "DOWN"),
        thresholds: okWhenOne(),
      }),
      statPanel({
        title: "Writable",
        description:
          "Whether it takes new samples; with less free disk space than its reserve it turns read-only.",
        unit: "none",
        queries: [
          { expr: `1 - max by (instance) (vm_storage_is_read_only{${SEL}})`, legend: "{{instance}}" },
        ],
        mappings: booleanMappings("WRITABLE", "READ-ONLY"),
        thresholds: okWhenOne(),
      }),
      statPanel({
        title: "Free disk space",
        description: "Free space on the disk that holds the data.",
        unit: "bytes",
        queries: [{ expr: `min by (instance) (vm_free_disk_space_bytes{${SEL}})`, legend: "{{instance}}" }],
      }),
      statPanel({
        title: "Days until read-only",
        description: `At the rate free space fell over the last 6 hours; orange below the alert's ${daysLeft} days.`,
        unit: "d",
        queries: [
          {
            expr: `min by (instance) ((vm_free_disk_space_bytes{${SEL}} - vm_free_disk_space_limit_bytes{${SEL}}) / -deriv(vm_free_disk_space_bytes{${SEL}}[6h]) > 0) / 86400`,
            legend: "{{instance}}",
          },
        ],
        thresholds: lowIsBad({ warning: daysLeft }),
        emptyWhen: "free space is not falling",
      }),
      statPanel({
        title: "Dropped samples",
        description: "Samples refused for their timestamp in the dashboard's time range.",
        unit: "none",
        queries: [
          {
            expr: `sum by (instance) (increase(vm_rows_ignored_total{${SEL}}[$__range]))`,
            legend: "{{instance}}",
          },
        ],
        thresholds: badWhenAny(),
        decimals: 0,
      }),
    ],
  };

  const ingestion: DashboardRow = {
    title: "What arrives",
    panels: [
      timeseriesPanel({
        title: "Samples received",
        description: "Samples per second written by Prometheus (remote write), before deduplication.",
        unit: "short",
        queries: [
          {
            expr: `sum by (instance) (rate(vm_rows_inserted_total{${SEL}, type="promremotewrite"}[$__rate_interval]))`,
            legend: "{{instance}}",
          },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Write requests",
        description: "Remote-write requests per second, and those answered with an error.",
        unit: "reqps",
        queries: [
          {
            expr: `sum by (instance) (rate(vm_http_requests_total{${WRITES}}[$__rate_interval]))`,
            legend: "{{instance}} requests",
          },
          {
            expr: `sum by (instance) (rate(vm_http_request_errors_total{${WRITES}}[$__rate_interval]))`,
            legend: "{{instance}} errors",
          },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Duplicates removed",
        description:
          "Samples per second dropped because another sample of the series fell in the same scrape interval: the second Prometheus of a pair.",
        unit: "short",
        queries: [
          {
            expr: `sum by (instance) (rate(vm_deduplicated_samples_total{${SEL}}[$__rate_interval]))`,
            legend: "{{instance}}",
          },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "New series",
        description:
          "Series seen for the first time, per second; a lasting rise means a label with ever-new values.",
        unit: "short",
        queries: [
          { expr: `rate(vm_new_timeseries_created_total{${SEL}}[$__rate_interval])`, legend: "{{instance}}" },
        ],
        min: 0,
      }),
    ],
  };

  const kept: DashboardRow = {
    title: "What is kept",
    panels: [
      timeseriesPanel({
        title: "Data on disk",
        description: "Bytes of samples and of the index, after compression.",
        unit: "bytes",
        queries: [
          { expr: `sum by (instance, type) (vm_data_size_bytes{${SEL}})`, legend: "{{instance}} {{type}}" },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Free disk space",
        description: "Free space on the data disk, and the reserve below which it turns read-only.",
        unit: "bytes",
        queries: [
          { expr: `min by (instance) (vm_free_disk_space_bytes{${SEL}})`, legend: "{{instance}} free" },
          {
            expr: `min by (instance) (vm_free_disk_space_limit_bytes{${SEL}})`,
            legend: "{{instance}} read-only below",
          },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Samples stored",
        description: "Samples held on disk.",
        unit: "short",
        queries: [
          {
            expr: `sum by (instance) (vm_rows{${SEL}, type=~"storage/.*"})`,
            legend: "{{instance}}",
          },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Queries",
        description: "Queries per second from Grafana and others.",
        unit: "reqps",
        queries: [
          {
            expr: `sum by (instance) (rate(vm_http_requests_total{${SEL}, path=~"/api/v1/query.*"}[$__rate_interval]))`,
            legend: "{{instance}}",
          },
        ],
        min: 0,
      }),
    ],
  };

  return [
    buildDashboard({
      uid: "stackmon-storage",
      title: "Long-term storage",
      description:
        "Whether history is being kept: VictoriaMetrics up and writable, disk space and time left, samples received and stored.",
      tags: ["storage", "victoriametrics"],
      variables: [instanceVariable(STORAGE_JOB)],
      rows: [health, ingestion, kept],
      health: `min(up{job="${STORAGE_JOB}"}) * (1 - max(vm_storage_is_read_only{job="${STORAGE_JOB}"}))`,
    }),
  ];
}

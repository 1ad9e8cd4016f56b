// VictoriaMetrics watched by the Prometheus that writes to it: its disk filling up until it stops
// taking samples, and samples it refuses or drops. Metric names as VictoriaMetrics 1.79 exports
// them (lib/storage, app/vminsert); "down" is TargetDown for its job, like every scraped target.
import type { AlertDefinition } from "../../alerting/alertRule.js";
import { caseOf, humanizedDuration, ramp, rising, seriesOf, steady } from "../../alerting/testSeries.js";

/** The scrape job of VictoriaMetrics, which its alerts and dashboard select. */
export const STORAGE_JOB = "victoriametrics";
const STORAGE = { job: STORAGE_JOB, instance: "store1" } as const;
const DATA_PATH = { path: "/var/lib/victoria-metrics" } as const;

type Labels = Readonly<Record<string, string>>;

/** deriv looks back this far; the test series need as much history. */
const TREND_MINUTES = 360;
/** VictoriaMetrics' default -storage.minFreeDiskSpaceBytes. */
const FREE_LIMIT = 10_000_000;

function diskFillingUp(): AlertDefinition {
  const summary = (instance: string, left: string) =>
    `Storage at ${instance} stops taking samples in ${left}: its disk is filling up`;
  const description = (path: string) =>
    `At the rate free space fell over the last 6 hours, ${path} reaches VictoriaMetrics' minimum free space then, and it turns read-only: no new history is stored. Give the disk more space, or shorten storage.retention in stackmon.yml and apply (old data goes at the next retention cycle).`;
  const free = "vm_free_disk_space_bytes";
  const trend = `deriv(${free}[6h])`;
  return {
    name: "VictoriaMetricsDiskFillingUp",
    severity: "warning",
    for: "1h",
    threshold: { default: 3, unit: "days", min: 1, max: 90, reads: "read-only within" },
    expr: (t) => `(${free} - vm_free_disk_space_limit_bytes) / -${trend} < ${t} * 86400 and ${trend} < 0`,
    summary: summary("{{ $labels.instance }}", "{{ $value | humanizeDuration }}"),
    description: description("{{ $labels.path }}"),
    tests: (input) => {
      const bytesPerSecond = 100_000;
      const draining = (secondsLeft: number) => {
        const labels = { ...DATA_PATH, ...STORAGE };
        const atEval = FREE_LIMIT + secondsLeft * bytesPerSecond;
        return [
          ramp(seriesOf(free, labels), atEval, -bytesPerSecond * 60, input, TREND_MINUTES),
          steady(seriesOf("vm_free_disk_space_limit_bytes", labels), FREE_LIMIT, input, TREND_MINUTES),
        ];
      };
      // Half the horizon left (and half a second, so float error cannot print one second less).
      const firing = (input.threshold * 86_400) / 2 + 0.5;
      return {
        fires: caseOf(
          draining(firing),
          input,
          {
            labels: { ...DATA_PATH, ...STORAGE },
            summary: summary("store1", humanizedDuration(firing)),
            description: description("/var/lib/victoria-metrics"),
          },
          TREND_MINUTES,
        ),
        quiet: caseOf(draining(input.threshold * 86_400 * 1.05), input, undefined, TREND_MINUTES),
      };
    },
  };
}

function readOnly(): AlertDefinition {
  const description = (path: string) =>
    `${path} has less free space than VictoriaMetrics keeps in reserve, so it refuses every sample: history is not being stored. Prometheus retries for about 2 hours (its write-ahead log), then drops them. Free space on that disk, or shorten storage.retention.`;
  return {
    name: "VictoriaMetricsReadOnly",
    // History is being lost.
    severity: "critical",
    for: "1m",
    expr: () => "vm_storage_is_read_only == 1",
    summary: "Storage at {{ $labels.instance }} is read-only: its disk is full",
    description: description("{{ $labels.path }}"),
    tests: (input) => {
      const state = (readOnlyNow: number) => [
        steady(seriesOf("vm_storage_is_read_only", { ...DATA_PATH, ...STORAGE }), readOnlyNow, input),
      ];
      return {
        fires: caseOf(state(1), input, {
          labels: { ...DATA_PATH, ...STORAGE },
          summary: "Storage at store1 is read-only: its disk is full",
          description: description("/var/lib/victoria-metrics"),
        }),
        quiet: caseOf(state(0), input),
      };
    },
  };
}

function ingestionErrors(): AlertDefinition {
  const summary = (instance: string, failed: string) =>
    `Storage at ${instance} fails ${failed}% of the writes it receives`;
  const description =
    "Prometheus's remote writes are answered with an error, so their samples are retried or lost. `journalctl -u victoria-metrics` on the storage host says why (unparseable data, full disk, too many new series).";
  const write: Labels = { path: "/api/v1/write", protocol: "promremotewrite", ...STORAGE };
  return {
    name: "VictoriaMetricsIngestionFailing",
    severity: "critical",
    for: "10m",
    threshold: { default: 1, unit: "percent", min: 0.01, max: 99, reads: "failed writes above" },
    expr: (t) =>
      `rate(vm_http_request_errors_total{path="/api/v1/write"}[5m]) / rate(vm_http_requests_total{path="/api/v1/write"}[5m]) * 100 > ${t}`,
    summary: summary("{{ $labels.instance }}", '{{ $value | printf "%.1f" }}'),
    description,
    tests: (input) => {
      // 1000 writes a minute, ten failing per failed percent.
      const writes = (failedPercent: number) => [
        rising(seriesOf("vm_http_requests_total", write), 0, 1000, input),
        rising(seriesOf("vm_http_request_errors_total", write), 0, failedPercent * 10, input),
      ];
      const firing = Math.min(100, Math.floor(input.threshold * 2) + 1);
      return {
        fires: caseOf(writes(firing), input, {
          labels: write,
          summary: summary("store1", firing.toFixed(1)),
          description,
        }),
        quiet: caseOf(writes(input.threshold * 0.95), input),
      };
    },
  };
}

function rowsRejected(): AlertDefinition {
  const summary = (instance: string, count: string, reason: string) =>
    `Storage at ${instance} dropped ${count} samples in 15 minutes (${reason})`;
  const description =
    "VictoriaMetrics drops samples whose timestamp is outside what it keeps: big_timestamp means a writer's clock runs ahead, small_timestamp that samples are older than storage.retention (a writer's clock behind, or an old backlog). Check the writers' clocks (`timedatectl`).";
  const ignored: Labels = { reason: "big_timestamp", ...STORAGE };
  return {
    name: "VictoriaMetricsSamplesDropped",
    severity: "warning",
    for: "15m",
    expr: () => "increase(vm_rows_ignored_total[15m]) > 0",
    summary: summary("{{ $labels.instance }}", "{{ $value | humanize }}", "{{ $labels.reason }}"),
    description,
    tests: (input) => {
      const counted = (perMinute: number) => [
        rising(seriesOf("vm_rows_ignored_total", ignored), 0, perMinute, input),
      ];
      return {
        fires: caseOf(counted(10), input, {
          labels: ignored,
          summary: summary("store1", "150", "big_timestamp"),
          description,
        }),
        quiet: caseOf(counted(0), input),
      };
    },
  };
}

export const storageAlerts: readonly AlertDefinition[] = [
  diskFillingUp(),
  readOnly(),
  ingestionErrors(),
  rowsRejected(),
];

// PM2 metrics from the collector's status, as one exposition text. Rebuilt from each snapshot, so
// a deleted process's series disappear; labels never include `instance` or environment values.
// Pure: the same status gives the same text.
import type { CollectorStatus } from "./collector.js";
import { ExpositionWriter, labelPairs, type MetricType } from "./exposition.js";
import type { IoFamily } from "./ioMetrics.js";
import { PM2_STATUSES, type Pm2IoMetrics, type Pm2Process } from "./parsePm2List.js";

/** A family with one sample per subject (a process, or the exporter itself). */
interface FamilyOf<T> {
  readonly name: string;
  readonly help: string;
  readonly type?: MetricType;
  readonly value: (subject: T) => number | undefined;
}

const io =
  (field: keyof Pm2IoMetrics) =>
  (p: Pm2Process): number | undefined =>
    p.io[field];

/** What a scrape reads afresh (from /proc) between two lists of the daemon. */
const SAMPLED_FAMILIES: readonly FamilyOf<Pm2Process>[] = [
  {
    name: "pm2_process_cpu_percent",
    help: "CPU use of the process, in percent of one core, since the scrape before.",
    value: (p) => p.cpuPercent,
  },
  {
    name: "pm2_process_cpu_seconds_total",
    help: "CPU time of the current process, user and system, from /proc (starts again at each restart).",
    type: "counter",
    value: (p) => p.cpuSeconds,
  },
  { name: "pm2_process_memory_bytes", help: "Resident memory of the process.", value: (p) => p.memoryBytes },
];

/** One sample per process from the daemon's list, in this order after the status state set. */
const PROCESS_FAMILIES: readonly FamilyOf<Pm2Process>[] = [
  {
    name: "pm2_process_start_time_seconds",
    help: "When the current process started (Unix time).",
    value: (p) => p.startTime,
  },
  {
    name: "pm2_process_restarts_total",
    help: "Restarts since the process was added to PM2 (resets only when it is deleted or `pm2 reset`).",
    type: "counter",
    value: (p) => p.restarts,
  },
  {
    name: "pm2_process_unstable_restarts_total",
    help: "Restarts of a process that died before min_uptime (crash loop).",
    type: "counter",
    value: (p) => p.unstableRestarts,
  },
  {
    name: "pm2_process_restart_delay_seconds",
    help: "How long PM2 waits before restarting the process again (exp_backoff_restart_delay), when it backs off.",
    value: (p) => p.restartDelaySeconds,
  },
  { name: "pm2_process_heap_size_bytes", help: "V8 heap size (from @pm2/io).", value: io("heapSizeBytes") },
  { name: "pm2_process_heap_used_bytes", help: "V8 heap used (from @pm2/io).", value: io("heapUsedBytes") },
  {
    name: "pm2_process_event_loop_latency_seconds",
    help: "Event loop latency, mean (from @pm2/io).",
    value: io("eventLoopLatencySeconds"),
  },
  {
    name: "pm2_process_event_loop_latency_p95_seconds",
    help: "Event loop latency, 95th percentile (from @pm2/io).",
    value: io("eventLoopLatencyP95Seconds"),
  },
  {
    name: "pm2_process_active_handles",
    help: "Active libuv handles (from @pm2/io).",
    value: io("activeHandles"),
  },
  {
    name: "pm2_process_active_requests",
    help: "Active libuv requests (from @pm2/io).",
    value: io("activeRequests"),
  },
  {
    name: "pm2_process_http_requests_per_minute",
    help: "HTTP requests per minute (from @pm2/io).",
    value: io("httpRequestsPerMinute"),
  },
  {
    name: "pm2_process_http_latency_mean_seconds",
    help: "HTTP latency, mean (from @pm2/io).",
    value: io("httpMeanLatencySeconds"),
  },
  {
    name: "pm2_process_http_latency_p95_seconds",
    help: "HTTP latency, 95th percentile (from @pm2/io).",
    value: io("httpP95LatencySeconds"),
  },
];

const FROM_IO =
  "A metric the app publishes with @pm2/io (io.metric, counter, meter, histogram), label metric its name";

/** The families of the other @pm2/io metrics, by what their unit says. */
export const IO_FAMILIES: Readonly<Record<IoFamily, { readonly name: string; readonly help: string }>> = {
  plain: {
    name: "pm2_process_io_metric",
    help: `${FROM_IO}; no unit, or one not converted: the value as published.`,
  },
  seconds: { name: "pm2_process_io_metric_seconds", help: `${FROM_IO}; a duration, converted to seconds.` },
  bytes: { name: "pm2_process_io_metric_bytes", help: `${FROM_IO}; a size, converted to bytes.` },
  ratio: { name: "pm2_process_io_metric_ratio", help: `${FROM_IO}; a percentage, as a ratio (0-1).` },
  per_second: {
    name: "pm2_process_io_metric_per_second",
    help: `${FROM_IO}; a rate (unit x/min, x/s...), converted to per second.`,
  },
  bytes_per_second: {
    name: "pm2_process_io_metric_bytes_per_second",
    help: `${FROM_IO}; a throughput (kb/s...), converted to bytes per second.`,
  },
};

interface Labelled {
  readonly process: Pm2Process;
  /** `name="…",pm_id="…",exec_mode="…",namespace="…"`, escaped once per process. */
  readonly labels: string;
}

function writeFamilies(
  out: ExpositionWriter,
  families: readonly FamilyOf<Pm2Process>[],
  processes: readonly Labelled[],
): void {
  for (const family of families) {
    out.family(family.name, family.type ?? "gauge", family.help);
    for (const { process, labels } of processes) {
      const value = family.value(process);
      if (value !== undefined) out.sample(family.name, labels, value);
    }
  }
}

function writeProcesses(out: ExpositionWriter, processes: readonly Labelled[]): void {
  out.family(
    "pm2_process_status",
    "gauge",
    "Process status as a state set: 1 for the current status, 0 for the others.",
  );
  for (const { process, labels } of processes) {
    for (const status of PM2_STATUSES) {
      out.sample("pm2_process_status", `${labels},status="${status}"`, process.status === status ? 1 : 0);
    }
  }
  writeFamilies(out, PROCESS_FAMILIES, processes);
  out.family(
    "pm2_process_info",
    "gauge",
    "Always 1: the app's version (from its package.json), interpreter and Node.js version, when known.",
  );
  for (const { process, labels } of processes) {
    const info = labelPairs({
      version: process.version ?? "",
      interpreter: process.interpreter ?? "",
      node_version: process.nodeVersion ?? "",
    });
    out.sample("pm2_process_info", `${labels},${info}`, 1);
  }
}

function writeIoMetrics(out: ExpositionWriter, processes: readonly Labelled[]): void {
  for (const [family, { name, help }] of Object.entries(IO_FAMILIES)) {
    out.family(name, "gauge", help);
    for (const { process, labels } of processes) {
      for (const metric of process.ioMetrics) {
        if (metric.family === family)
          out.sample(name, `${labels},${labelPairs({ metric: metric.name })}`, metric.value);
      }
    }
  }
  out.family(
    "pm2_exporter_io_metrics_dropped",
    "gauge",
    "@pm2/io metrics of the process not exported in the last collection: over --pm2.io-metrics-limit or with a name over 128 characters.",
  );
  for (const { process, labels } of processes)
    out.sample("pm2_exporter_io_metrics_dropped", labels, process.ioMetricsDropped);
}

function writeApps(out: ExpositionWriter, processes: readonly Pm2Process[]): void {
  const instances = new Map<string, number>();
  for (const p of processes) {
    const key = labelPairs({ name: p.name, namespace: p.namespace, status: p.status });
    instances.set(key, (instances.get(key) ?? 0) + 1);
  }
  out.family("pm2_app_instances", "gauge", "Processes per app (cluster instances), by status.");
  for (const [labels, count] of [...instances].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out.sample("pm2_app_instances", labels, count);
  }
}

/** The exporter's own series, one sample each (none while the value is unknown). */
const SELF_FAMILIES: readonly FamilyOf<CollectorStatus>[] = [
  {
    name: "pm2_daemon_up",
    type: "gauge",
    help: "1 when the PM2 daemon answered the last request for its process list.",
    value: (s) => (s.daemonUp ? 1 : 0),
  },
  {
    name: "pm2_exporter_collection_duration_seconds",
    type: "gauge",
    help: "How long the last request for the PM2 daemon's process list took.",
    value: (s) => s.lastDurationSeconds,
  },
  {
    name: "pm2_exporter_last_success_timestamp_seconds",
    type: "gauge",
    help: "When the daemon gave the process list behind the served series (Unix time): time() minus this is its age.",
    value: (s) => s.lastSuccessTime,
  },
  {
    name: "pm2_exporter_collections_total",
    type: "counter",
    help: "Requests for the PM2 daemon's process list, successful or not.",
    value: (s) => s.collections,
  },
  {
    name: "pm2_exporter_collection_errors_total",
    type: "counter",
    help: "Requests for the list that failed (daemon unreachable, timed out, or answered garbage).",
    value: (s) => s.errors,
  },
];

function writeSelf(out: ExpositionWriter, status: CollectorStatus): void {
  for (const family of SELF_FAMILIES) {
    out.family(family.name, family.type ?? "gauge", family.help);
    const value = family.value(status);
    if (value !== undefined) out.sample(family.name, "", value);
  }
}

/**
 * Each process's labels, escaped, in the order of the list. They change only with the list, so
 * the exporter keeps them for the scrapes in between (the processes keep their order).
 */
export function processLabels(status: CollectorStatus): string[] {
  return (status.snapshot?.processes ?? []).map((process) =>
    labelPairs({
      name: process.name,
      pm_id: String(process.pmId),
      exec_mode: process.execMode,
      namespace: process.namespace,
    }),
  );
}

function labelled(status: CollectorStatus, labels: readonly string[]): Labelled[] {
  return (status.snapshot?.processes ?? []).map((process, i) => ({ process, labels: labels[i] ?? "" }));
}

/**
 * Every family that changes only with the daemon's list (and the exporter's own, which change with
 * each request to it): the bulk of the text, built once per list and kept (listVersion).
 */
export function renderListFamilies(status: CollectorStatus, labels = processLabels(status)): string {
  const processes = labelled(status, labels);
  const out = new ExpositionWriter();
  writeProcesses(out, processes);
  writeIoMetrics(out, processes);
  writeApps(
    out,
    processes.map((p) => p.process),
  );
  writeSelf(out, status);
  return out.text();
}

/** CPU and memory, read afresh at each scrape. */
export function renderSampledFamilies(status: CollectorStatus, labels = processLabels(status)): string {
  const out = new ExpositionWriter();
  writeFamilies(out, SAMPLED_FAMILIES, labelled(status, labels));
  return out.text();
}

export function renderPm2Metrics(status: CollectorStatus): string {
  return renderListFamilies(status) + renderSampledFamilies(status);
}

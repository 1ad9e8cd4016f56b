// PM2 metrics from the collector's latest snapshot. Built at scrape time from the snapshot, so a
// deleted process's series disappear; labels never include `instance` or environment values.
import { Counter, Gauge, Registry } from "prom-client";
import type { CollectorStatus } from "./collector.js";
import { PM2_STATUSES, type Pm2IoMetrics, type Pm2Process } from "./parsePm2List.js";

const LABELS = ["name", "pm_id", "exec_mode", "namespace"] as const;

function labelsOf(p: Pm2Process): Record<(typeof LABELS)[number], string> {
  return { name: p.name, pm_id: String(p.pmId), exec_mode: p.execMode, namespace: p.namespace };
}

export function createPm2Metrics(status: () => CollectorStatus): Registry {
  const registry = new Registry();
  const processes = () => status().snapshot?.processes ?? [];

  const perProcess = (
    name: string,
    help: string,
    value: (p: Pm2Process) => number | undefined,
    type: "gauge" | "counter" = "gauge",
  ) => {
    const collect = function (this: Gauge | Counter) {
      this.reset();
      for (const p of processes()) {
        const v = value(p);
        if (v === undefined) continue;
        if (this instanceof Gauge) this.set(labelsOf(p), v);
        else this.inc(labelsOf(p), v);
      }
    };
    if (type === "counter") new Counter({ name, help, labelNames: LABELS, registers: [registry], collect });
    else new Gauge({ name, help, labelNames: LABELS, registers: [registry], collect });
  };

  new Gauge({
    name: "pm2_process_status",
    help: "Process status as a state set: 1 for the current status, 0 for the others.",
    labelNames: [...LABELS, "status"],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of processes()) {
        for (const s of PM2_STATUSES) this.set({ ...labelsOf(p), status: s }, p.status === s ? 1 : 0);
      }
    },
  });
  perProcess(
    "pm2_process_cpu_percent",
    "CPU use of the process, in percent of one core.",
    (p) => p.cpuPercent,
  );
  perProcess("pm2_process_memory_bytes", "Resident memory of the process.", (p) => p.memoryBytes);
  perProcess(
    "pm2_process_start_time_seconds",
    "When the current process started (Unix time).",
    (p) => p.startTime,
  );
  perProcess(
    "pm2_process_restarts_total",
    "Restarts since the process was added to PM2 (resets only when it is deleted or `pm2 reset`).",
    (p) => p.restarts,
    "counter",
  );
  perProcess(
    "pm2_process_unstable_restarts_total",
    "Restarts of a process that died before min_uptime (crash loop).",
    (p) => p.unstableRestarts,
    "counter",
  );
  const io = (field: keyof Pm2IoMetrics) => (p: Pm2Process) => p.io[field];
  perProcess("pm2_process_heap_size_bytes", "V8 heap size (from @pm2/io).", io("heapSizeBytes"));
  perProcess("pm2_process_heap_used_bytes", "V8 heap used (from @pm2/io).", io("heapUsedBytes"));
  perProcess(
    "pm2_process_event_loop_latency_seconds",
    "Event loop latency, mean (from @pm2/io).",
    io("eventLoopLatencySeconds"),
  );
  perProcess(
    "pm2_process_event_loop_latency_p95_seconds",
    "Event loop latency, 95th percentile (from @pm2/io).",
    io("eventLoopLatencyP95Seconds"),
  );
  perProcess("pm2_process_active_handles", "Active libuv handles (from @pm2/io).", io("activeHandles"));
  perProcess("pm2_process_active_requests", "Active libuv requests (from @pm2/io).", io("activeRequests"));
  perProcess(
    "pm2_process_http_requests_per_minute",
    "HTTP requests per minute (from @pm2/io).",
    io("httpRequestsPerMinute"),
  );
  perProcess(
    "pm2_process_http_latency_mean_seconds",
    "HTTP latency, mean (from @pm2/io).",
    io("httpMeanLatencySeconds"),
  );
  perProcess(
    "pm2_process_http_latency_p95_seconds",
    "HTTP latency, 95th percentile (from @pm2/io).",
    io("httpP95LatencySeconds"),
  );

  new Gauge({
    name: "pm2_app_instances",
    help: "Processes per app (cluster instances), by status.",
    labelNames: ["name", "namespace", "status"],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of processes()) this.inc({ name: p.name, namespace: p.namespace, status: p.status });
    },
  });
  new Gauge({
    name: "pm2_daemon_up",
    help: "1 when the last collection from the PM2 daemon succeeded.",
    registers: [registry],
    collect() {
      this.set(status().daemonUp ? 1 : 0);
    },
  });
  new Gauge({
    name: "pm2_exporter_collection_duration_seconds",
    help: "How long the last collection from the PM2 daemon took.",
    registers: [registry],
    collect() {
      const v = status().lastDurationSeconds;
      if (v !== undefined) this.set(v);
    },
  });
  new Gauge({
    name: "pm2_exporter_last_success_timestamp_seconds",
    help: "When the last successful collection ended (Unix time).",
    registers: [registry],
    collect() {
      const v = status().lastSuccessTime;
      if (v !== undefined) this.set(v);
    },
  });
  new Counter({
    name: "pm2_exporter_collection_errors_total",
    help: "Collections that failed (daemon unreachable, timed out, or answered garbage).",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(status().errors);
    },
  });
  return registry;
}

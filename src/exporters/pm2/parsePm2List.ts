// PM2's process list (getMonitorData, what `pm2 jlist` prints) → a typed snapshot. Pure and
// tolerant: a half-filled entry yields what it has. Environment variables are never read: they
// hold secrets, and PM2 copies them into pm2_env both under `env` and at its top level, so only
// the keys named here are ever looked up.
import {
  converted,
  finiteNumber,
  ioMetricsOf,
  isObject,
  unitConversion,
  type IoFamily,
  type IoMetric,
} from "./ioMetrics.js";
import type { Picks } from "./pickJson.js";

export const PM2_STATUSES = [
  "online",
  "stopping",
  "stopped",
  "launching",
  "errored",
  "one-launch-status",
  "waiting restart",
] as const;
export type Pm2Status = (typeof PM2_STATUSES)[number];

/** @pm2/io's built-in metrics that have families of their own (by their display names). */
export interface Pm2IoMetrics {
  heapSizeBytes?: number;
  heapUsedBytes?: number;
  eventLoopLatencySeconds?: number;
  eventLoopLatencyP95Seconds?: number;
  activeHandles?: number;
  activeRequests?: number;
  httpRequestsPerMinute?: number;
  httpMeanLatencySeconds?: number;
  httpP95LatencySeconds?: number;
}

interface BuiltIn {
  readonly field: keyof Pm2IoMetrics;
  /** The name @pm2/io gives it (metrics/v8.js, eventLoopMetrics.js, httpMetrics.js). */
  readonly name: string;
  /** Its unit when the entry carries none, and the family that unit must fall in ("plain": as published). */
  readonly unit?: string;
  readonly family: IoFamily;
}

const BUILT_INS: readonly BuiltIn[] = [
  { field: "heapSizeBytes", name: "Heap Size", unit: "MiB", family: "bytes" },
  { field: "heapUsedBytes", name: "Used Heap Size", unit: "MiB", family: "bytes" },
  { field: "eventLoopLatencySeconds", name: "Event Loop Latency", unit: "ms", family: "seconds" },
  { field: "eventLoopLatencyP95Seconds", name: "Event Loop Latency p95", unit: "ms", family: "seconds" },
  { field: "activeHandles", name: "Active handles", family: "plain" },
  { field: "activeRequests", name: "Active requests", family: "plain" },
  // Kept per minute, as @pm2/io counts it ("req/min"); the families of their own predate the rest.
  { field: "httpRequestsPerMinute", name: "HTTP", family: "plain" },
  { field: "httpMeanLatencySeconds", name: "HTTP Mean Latency", unit: "ms", family: "seconds" },
  { field: "httpP95LatencySeconds", name: "HTTP P95 Latency", unit: "ms", family: "seconds" },
];
const BUILT_IN_NAMES: ReadonlySet<string> = new Set(BUILT_INS.map((b) => b.name));

export interface Pm2Process {
  readonly pmId: number;
  readonly name: string;
  readonly namespace: string;
  readonly execMode: "fork" | "cluster" | "unknown";
  readonly status: Pm2Status | "unknown";
  /** The pid PM2 measures (the app's own declaration first, as God's getProcessId does). */
  readonly pid?: number;
  readonly cpuPercent?: number;
  /** CPU time of the current process (seconds), when read from /proc. */
  readonly cpuSeconds?: number;
  readonly memoryBytes?: number;
  /** When the current process started (Unix seconds). */
  readonly startTime?: number;
  readonly restarts?: number;
  readonly unstableRestarts?: number;
  /** The delay before PM2 restarts it again, under exp_backoff_restart_delay (seconds). */
  readonly restartDelaySeconds?: number;
  /** The app's version (from its package.json), interpreter and Node.js version, when known. */
  readonly version?: string;
  readonly interpreter?: string;
  readonly nodeVersion?: string;
  readonly io: Pm2IoMetrics;
  /** Every other numeric @pm2/io metric, sorted by name, at most the limit. */
  readonly ioMetrics: readonly IoMetric[];
  /** Numeric @pm2/io metrics left out by the limit. */
  readonly ioMetricsDropped: number;
}

export interface Pm2Snapshot {
  readonly processes: readonly Pm2Process[];
  /** Entries skipped because they had no usable pm_id or name. */
  readonly skipped: number;
}

export interface ParseOptions {
  /** Most @pm2/io metrics exported per process (beyond the built-ins); the rest are counted. */
  readonly ioMetricsLimit: number;
}

export const DEFAULT_IO_METRICS_LIMIT = 50;

/**
 * Every key parsePm2Entry reads, and nothing else: PM2's answer is read through these picks
 * (pickJson), so an environment variable is never even decoded.
 */
export const PM2_ENTRY_PICKS: Picks = {
  name: true,
  pm_id: true,
  pid: true,
  monit: true,
  pm2_env: {
    axm_options: { pid: true },
    name: true,
    pm_id: true,
    namespace: true,
    exec_mode: true,
    status: true,
    pm_uptime: true,
    restart_time: true,
    unstable_restarts: true,
    prev_restart_delay: true,
    version: true,
    exec_interpreter: true,
    node_version: true,
    axm_monitor: true,
  },
};

function builtInMetrics(monitor: unknown): Pm2IoMetrics {
  const io: Pm2IoMetrics = {};
  if (!isObject(monitor)) return io;
  for (const builtIn of BUILT_INS) {
    const entry = monitor[builtIn.name];
    if (!isObject(entry)) continue;
    const value = finiteNumber(entry["value"]);
    if (value === undefined) continue;
    if (builtIn.family === "plain") {
      io[builtIn.field] = value;
      continue;
    }
    const conversion = unitConversion(entry["unit"] ?? builtIn.unit);
    if (conversion.family === builtIn.family) io[builtIn.field] = converted(value, conversion);
  }
  return io;
}

function statusOf(value: unknown): Pm2Status | "unknown" {
  return PM2_STATUSES.find((s) => s === value) ?? "unknown";
}

function execModeOf(value: unknown): Pm2Process["execMode"] {
  if (value === "fork_mode" || value === "fork") return "fork";
  if (value === "cluster_mode" || value === "cluster") return "cluster";
  return "unknown";
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Copies only the fields that have a value, so absent ones stay absent (not `undefined`). */
function defined<T extends object>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(fields) as (keyof T)[]) if (fields[key] !== undefined) out[key] = fields[key];
  return out;
}

export function parsePm2Entry(
  entry: unknown,
  options: ParseOptions = { ioMetricsLimit: DEFAULT_IO_METRICS_LIMIT },
): Pm2Process | undefined {
  if (!isObject(entry)) return undefined;
  const env = isObject(entry["pm2_env"]) ? entry["pm2_env"] : {};
  const pmId = finiteNumber(entry["pm_id"] ?? env["pm_id"]);
  const name = entry["name"] ?? env["name"];
  if (pmId === undefined || !Number.isInteger(pmId) || typeof name !== "string" || name === "")
    return undefined;
  const monit = isObject(entry["monit"]) ? entry["monit"] : {};
  const uptime = finiteNumber(env["pm_uptime"]);
  const restartDelay = finiteNumber(env["prev_restart_delay"]);
  const version = text(env["version"]);
  const monitor = env["axm_monitor"];
  const declared = isObject(env["axm_options"]) ? finiteNumber(env["axm_options"]["pid"]) : undefined;
  const pid = declared ?? finiteNumber(entry["pid"]);
  const io = ioMetricsOf(monitor, options.ioMetricsLimit, BUILT_IN_NAMES);
  return {
    pmId,
    name,
    namespace: text(env["namespace"]) ?? "default",
    execMode: execModeOf(env["exec_mode"]),
    status: statusOf(env["status"]),
    ...defined({
      pid: pid !== undefined && Number.isInteger(pid) && pid > 0 ? pid : undefined,
      cpuPercent: finiteNumber(monit["cpu"]),
      memoryBytes: finiteNumber(monit["memory"]),
      startTime: uptime !== undefined && uptime > 0 ? uptime / 1000 : undefined,
      restarts: finiteNumber(env["restart_time"]),
      unstableRestarts: finiteNumber(env["unstable_restarts"]),
      restartDelaySeconds: restartDelay !== undefined && restartDelay > 0 ? restartDelay / 1000 : undefined,
      // PM2 writes "N/A" when the app has no package.json with a version.
      version: version === "N/A" ? undefined : version,
      interpreter: text(env["exec_interpreter"]),
      nodeVersion: text(env["node_version"]),
    }),
    io: builtInMetrics(monitor),
    ioMetrics: io.metrics,
    ioMetricsDropped: io.dropped,
  };
}

/** The list as the daemon returns it (an array), or anything else (garbage → an error). */
export function parsePm2List(
  list: unknown,
  options: ParseOptions = { ioMetricsLimit: DEFAULT_IO_METRICS_LIMIT },
): Pm2Snapshot {
  if (!Array.isArray(list))
    throw new Error(`PM2 answered ${list === null ? "null" : typeof list} instead of a process list`);
  const processes: Pm2Process[] = [];
  let skipped = 0;
  for (const entry of list) {
    const parsed = parsePm2Entry(entry, options);
    if (parsed) processes.push(parsed);
    else skipped++;
  }
  processes.sort((a, b) => a.pmId - b.pmId);
  return { processes, skipped };
}

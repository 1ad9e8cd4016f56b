// PM2's process list (getMonitorData, what `pm2 jlist` prints) → a typed snapshot. Pure and
// tolerant: a half-filled entry yields what it has. Environment variables are never read: they
// hold secrets.

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

/** @pm2/io metrics PM2 publishes under axm_monitor, by their display names. */
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

export interface Pm2Process {
  readonly pmId: number;
  readonly name: string;
  readonly namespace: string;
  readonly execMode: "fork" | "cluster" | "unknown";
  readonly status: Pm2Status | "unknown";
  readonly cpuPercent?: number;
  readonly memoryBytes?: number;
  /** When the current process started (Unix seconds). */
  readonly startTime?: number;
  readonly restarts?: number;
  readonly unstableRestarts?: number;
  readonly io: Pm2IoMetrics;
}

export interface Pm2Snapshot {
  readonly processes: readonly Pm2Process[];
  /** Entries skipped because they had no usable pm_id or name. */
  readonly skipped: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function finite(value: unknown): number | undefined {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
};
const TIME_UNITS: Record<string, number> = { ms: 1e-3, s: 1, us: 1e-6, µs: 1e-6 };

function metricValue(
  monitor: Record<string, unknown>,
  name: string,
  units: Record<string, number>,
  defaultUnit: string,
): number | undefined {
  const entry = monitor[name];
  if (!isObject(entry)) return undefined;
  const value = finite(entry["value"]);
  if (value === undefined) return undefined;
  const unit = typeof entry["unit"] === "string" ? entry["unit"].toLowerCase() : defaultUnit;
  const factor = units[unit] ?? units[defaultUnit];
  if (factor === undefined) return undefined;
  return value * factor;
}

function ioMetrics(env: Record<string, unknown>): Pm2IoMetrics {
  const monitor = env["axm_monitor"];
  if (!isObject(monitor)) return {};
  const count = (name: string) => (isObject(monitor[name]) ? finite(monitor[name]["value"]) : undefined);
  const entries: [keyof Pm2IoMetrics, number | undefined][] = [
    ["heapSizeBytes", metricValue(monitor, "Heap Size", SIZE_UNITS, "mib")],
    ["heapUsedBytes", metricValue(monitor, "Used Heap Size", SIZE_UNITS, "mib")],
    ["eventLoopLatencySeconds", metricValue(monitor, "Event Loop Latency", TIME_UNITS, "ms")],
    ["eventLoopLatencyP95Seconds", metricValue(monitor, "Event Loop Latency p95", TIME_UNITS, "ms")],
    ["activeHandles", count("Active handles")],
    ["activeRequests", count("Active requests")],
    ["httpRequestsPerMinute", count("HTTP")],
    ["httpMeanLatencySeconds", metricValue(monitor, "HTTP Mean Latency", TIME_UNITS, "ms")],
    ["httpP95LatencySeconds", metricValue(monitor, "HTTP P95 Latency", TIME_UNITS, "ms")],
  ];
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
}

function statusOf(value: unknown): Pm2Status | "unknown" {
  return PM2_STATUSES.find((s) => s === value) ?? "unknown";
}

function execModeOf(value: unknown): Pm2Process["execMode"] {
  if (value === "fork_mode" || value === "fork") return "fork";
  if (value === "cluster_mode" || value === "cluster") return "cluster";
  return "unknown";
}

export function parsePm2Entry(entry: unknown): Pm2Process | undefined {
  if (!isObject(entry)) return undefined;
  const env = isObject(entry["pm2_env"]) ? entry["pm2_env"] : {};
  const pmId = finite(entry["pm_id"] ?? env["pm_id"]);
  const name = entry["name"] ?? env["name"];
  if (pmId === undefined || !Number.isInteger(pmId) || typeof name !== "string" || name === "")
    return undefined;
  const monit = isObject(entry["monit"]) ? entry["monit"] : {};
  const uptime = finite(env["pm_uptime"]);
  const namespace = env["namespace"];
  const process: Pm2Process = {
    pmId,
    name,
    namespace: typeof namespace === "string" && namespace !== "" ? namespace : "default",
    execMode: execModeOf(env["exec_mode"]),
    status: statusOf(env["status"]),
    io: ioMetrics(env),
  };
  const optional: Partial<Pm2Process> = {
    cpuPercent: finite(monit["cpu"]),
    memoryBytes: finite(monit["memory"]),
    startTime: uptime !== undefined && uptime > 0 ? uptime / 1000 : undefined,
    restarts: finite(env["restart_time"]),
    unstableRestarts: finite(env["unstable_restarts"]),
  };
  return { ...process, ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)) };
}

/** The list as the daemon returns it (an array), or anything else (garbage → an error). */
export function parsePm2List(list: unknown): Pm2Snapshot {
  if (!Array.isArray(list))
    throw new Error(`PM2 answered ${list === null ? "null" : typeof list} instead of a process list`);
  const processes: Pm2Process[] = [];
  let skipped = 0;
  for (const entry of list) {
    const parsed = parsePm2Entry(entry);
    if (parsed) processes.push(parsed);
    else skipped++;
  }
  processes.sort((a, b) => a.pmId - b.pmId);
  return { processes, skipped };
}

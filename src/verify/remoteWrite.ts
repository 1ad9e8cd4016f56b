// Whether samples arrive where Prometheus writes them (the stack's storage, any remote_write),
// asked of Prometheus: each queue's receiver has answered, holds recent samples, and refused
// none lately. The verdict is pure; the queries around it are thin.
import type { PrometheusClient } from "../lib/prometheusClient.js";
import type { Check } from "./check.js";

/** Behind by more than this, samples are not arriving as they should (Prometheus sends every few seconds). */
export const REMOTE_WRITE_MAX_LAG_SECONDS = 120;
/** A queue that has not been answered this long after Prometheus started is failing, not starting. */
const STARTUP_GRACE_SECONDS = 120;

/** What Prometheus says about one remote-write queue. */
export interface RemoteWriteQueue {
  readonly name: string;
  readonly url: string;
  /** Newest sample the receiver has acknowledged; absent before any request was answered. */
  readonly sentTimestamp?: number;
  /** Samples refused for good in the last 5 minutes. */
  readonly refused: number;
}

export function remoteWriteVerdict(
  queue: RemoteWriteQueue,
  newestSample: number,
  uptimeSeconds: number,
): Check {
  const check = `remote write ${queue.name}`;
  if (queue.sentTimestamp === undefined) {
    return uptimeSeconds < STARTUP_GRACE_SECONDS
      ? { check, status: "pending", detail: `no answer from ${queue.url} yet` }
      : { check, status: "fail", detail: `${queue.url} has answered no request since Prometheus started` };
  }
  if (queue.refused > 0) {
    return {
      check,
      status: "fail",
      detail: `${queue.url} refused ${queue.refused} samples in the last 5 minutes`,
    };
  }
  const behind = Math.max(0, Math.round(newestSample - queue.sentTimestamp));
  if (behind > REMOTE_WRITE_MAX_LAG_SECONDS) {
    return { check, status: "fail", detail: `${queue.url} is ${behind} s behind` };
  }
  return { check, status: "ok", detail: `samples arrive at ${queue.url} (${behind} s behind)` };
}

export async function remoteWriteChecks(client: PrometheusClient): Promise<Check[]> {
  const pending = await client.query("prometheus_remote_storage_samples_pending");
  if (pending.length === 0) return [];
  // Prometheus scrapes itself: each series is one Prometheus's (instance) queue (remote_name, url).
  const byInstance = async (expr: string) =>
    new Map((await client.query(expr)).map((s) => [s.metric["instance"] ?? "", s.value]));
  const byQueue = async (expr: string) =>
    new Map((await client.query(expr)).map((s) => [queueKey(s.metric), s.value]));
  const newest = await byInstance("prometheus_remote_storage_highest_timestamp_in_seconds");
  const uptime = await byInstance('time() - process_start_time_seconds{job="prometheus"}');
  const sent = await byQueue("prometheus_remote_storage_queue_highest_sent_timestamp_seconds");
  const refused = await byQueue("increase(prometheus_remote_storage_samples_failed_total[5m])");
  return pending
    .map(({ metric }) => {
      const instance = metric["instance"] ?? "";
      const sentTimestamp = sent.get(queueKey(metric));
      return remoteWriteVerdict(
        {
          name: `${metric["remote_name"] ?? "?"} from ${instance}`,
          url: metric["url"] ?? "?",
          ...(sentTimestamp !== undefined ? { sentTimestamp } : {}),
          refused: Math.round(refused.get(queueKey(metric)) ?? 0),
        },
        newest.get(instance) ?? 0,
        uptime.get(instance) ?? 0,
      );
    })
    .sort((a, b) => a.check.localeCompare(b.check));
}

function queueKey(metric: Readonly<Record<string, string>>): string {
  return [metric["instance"], metric["remote_name"], metric["url"]].join("\u0000");
}

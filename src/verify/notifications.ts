// verify's delivery check: Alertmanager's own counters of failed notifications, and from its log
// which receiver failed lately and what Mattermost answered. A hook that is deleted, disabled or
// locked fails every notification, the one that would say so included: this is how it is noticed.
import { deliveryFailures, describeFailure, retriedDeliveries } from "../alerting/deliveryFailure.js";
import type { HostHttp } from "../host/host.js";
import type { Check } from "./check.js";

export interface NotificationCheckInput {
  readonly alertmanagerUrl: string;
  /** The host's own HTTP: its loopback is the host's, also over SSH. */
  readonly http: HostHttp;
  readonly headers: Readonly<Record<string, string>>;
  /** Alertmanager's recent log, when it can be read. */
  readonly log?: () => Promise<string | undefined>;
  /**
   * How far back a failure still counts as current. Alertmanager tries an undelivered group
   * again at every group interval, so a path that is still broken fails within two of them.
   */
  readonly windowMs: number;
  readonly now: Date;
}

export interface NotificationCounters {
  readonly integration: string;
  readonly sent: number;
  readonly failed: number;
}

/** alertmanager_notifications_total and _failed_total by integration (failed summed over reason). */
export function notificationCounters(exposition: string): NotificationCounters[] {
  const counts = new Map<string, { sent: number; failed: number }>();
  for (const match of exposition.matchAll(
    /^alertmanager_notifications(_failed)?_total\{([^}]*)\} (\S+)$/gm,
  )) {
    const integration = /integration="([^"]*)"/.exec(match[2] ?? "")?.[1];
    if (!integration) continue;
    const entry = counts.get(integration) ?? { sent: 0, failed: 0 };
    if (match[1]) entry.failed += Number(match[3]);
    else entry.sent += Number(match[3]);
    counts.set(integration, entry);
  }
  return [...counts]
    .map(([integration, c]) => ({ integration, ...c }))
    .sort((a, b) => a.integration.localeCompare(b.integration));
}

export async function notificationChecks(input: NotificationCheckInput): Promise<Check[]> {
  const metrics = await input.http(new URL("/metrics", input.alertmanagerUrl).toString(), {
    headers: { ...input.headers },
    timeoutMs: 5000,
  });
  if (!metrics || metrics.status !== 200) {
    return [
      {
        check: "notifications",
        status: "fail",
        detail: `${input.alertmanagerUrl}/metrics does not answer 200`,
      },
    ];
  }
  const counters = notificationCounters(metrics.body).filter((c) => c.sent > 0 || c.failed > 0);
  const log = input.log ? await input.log() : undefined;
  const since = input.now.getTime() - input.windowMs;
  const delivered = retriedDeliveries(log ?? "");
  const recent = deliveryFailures(log ?? "").filter((f) => {
    const time = f.time?.getTime() ?? 0;
    return time >= since && time > (delivered.get(f.receiver)?.getTime() ?? 0);
  });
  const lastByReceiver = new Map(recent.map((f) => [f.receiver, f]));
  const minutes = Math.round(input.windowMs / 60_000);
  const totals = counters.map((c) => `${c.integration}: ${c.failed} of ${c.sent} failed`).join(", ");
  if (log !== undefined) {
    if (lastByReceiver.size === 0) {
      return [
        {
          check: "notifications",
          status: "ok",
          detail: `none failed in the last ${minutes} min${totals ? ` (since Alertmanager started: ${totals})` : "; nothing sent yet"}`,
        },
      ];
    }
    return [...lastByReceiver.values()]
      .sort((a, b) => a.receiver.localeCompare(b.receiver))
      .map((failure) => ({
        check: `notifications ${failure.receiver} (${failure.integration.replace(/\[\d+\]$/, "")})`,
        status: "fail",
        detail: describeFailure(failure),
      }));
  }
  // Without the log only the counters are known, since Alertmanager started.
  return counters.length === 0
    ? [{ check: "notifications", status: "ok", detail: "nothing sent yet" }]
    : counters.map((c) => ({
        check: `notifications ${c.integration}`,
        status: c.failed > 0 ? "fail" : "ok",
        detail:
          c.failed > 0
            ? `${c.failed} of ${c.sent} notifications failed since Alertmanager started; its log says why (journalctl -u prometheus-alertmanager, or --dir for a stack run by stackmon up)`
            : `${c.sent} sent, none failed`,
      }));
}

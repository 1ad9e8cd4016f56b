// A synthetic alert sent through the running pipeline: posted to Alertmanager like Prometheus
// would, routed by its severity, delivered to Mattermost. Whether Mattermost took it is read from
// Alertmanager's own delivery counters for the Slack integration (Mattermost's hooks speak Slack).
import { httpGet } from "../verify/httpProbe.js";
import type { Severity } from "./alertRule.js";
import { deliveryFailures, describeFailure } from "./deliveryFailure.js";

export interface TestAlertOptions {
  readonly alertmanagerUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly severity: Severity;
  readonly hostname: string;
  /** How long to wait for Alertmanager to deliver (group_wait, group_interval, retries). */
  readonly waitMs: number;
  readonly log: (message: string) => void;
  /** Alertmanager's recent log, for Mattermost's answer when it refuses. */
  readonly alertmanagerLog?: () => Promise<string | undefined>;
}

export interface TestAlertResult {
  readonly delivered: boolean;
  readonly detail: string;
}

interface DeliveryCounters {
  readonly requests: number;
  readonly failed: number;
}

export async function sendTestAlert(options: TestAlertOptions): Promise<TestAlertResult> {
  const before = await deliveryCounters(options);
  if (!before)
    return { delivered: false, detail: `Alertmanager at ${options.alertmanagerUrl} did not answer` };
  const alert = testAlert(options);
  const posted = await postAlerts(options, [alert]);
  if (!posted.ok)
    return { delivered: false, detail: `Alertmanager refused the test alert: ${posted.detail}` };
  options.log(`Alertmanager accepted the test alert; waiting for delivery to Mattermost`);
  const sentAt = Date.now();
  try {
    return await awaitDelivery(options, before, sentAt);
  } finally {
    // Resolve it, so that the channel also sees the resolved message and nothing lingers.
    await postAlerts(options, [{ ...alert, endsAt: new Date().toISOString() }]);
  }
}

function testAlert(options: TestAlertOptions): Record<string, unknown> {
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return {
    labels: {
      alertname: "StackmonTestAlert",
      severity: options.severity,
      instance: options.hostname,
      component: "stackmon",
      // A new alert each run, so Alertmanager never takes it for one it has already sent.
      test_id: id,
    },
    annotations: {
      summary: `Test alert from stackmon at ${options.hostname}`,
      description: `Sent by \`stackmon test-alert\` to check that ${options.severity} alerts reach this channel. It resolves by itself; nothing is wrong.`,
    },
    startsAt: new Date().toISOString(),
    endsAt: new Date(Date.now() + 10 * 60_000).toISOString(),
  };
}

async function postAlerts(
  options: TestAlertOptions,
  alerts: readonly Record<string, unknown>[],
): Promise<{ ok: boolean; detail: string }> {
  const response = await httpGet(new URL("/api/v2/alerts", options.alertmanagerUrl).toString(), {
    method: "POST",
    headers: { ...options.headers, "content-type": "application/json" },
    body: JSON.stringify(alerts),
    timeoutMs: 5000,
  });
  if (!response) return { ok: false, detail: "no answer" };
  return { ok: response.status === 200, detail: `${response.status} ${response.body.trim()}` };
}

/** How long after a success a failure of the same flush still shows in the log. */
const SETTLE_MS = 2000;

async function awaitDelivery(
  options: TestAlertOptions,
  before: DeliveryCounters,
  sentAt: number,
): Promise<TestAlertResult> {
  const deadline = Date.now() + options.waitMs;
  let latest = before;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    latest = (await deliveryCounters(options)) ?? latest;
    const succeeded = latest.requests - latest.failed - (before.requests - before.failed);
    if (succeeded > 0) {
      // Alertmanager 0.25 counts requests per integration, not per receiver: another receiver's
      // success may be what was counted. Its log names the receiver whose request failed.
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      latest = (await deliveryCounters(options)) ?? latest;
      const answer = await mattermostAnswer(options, sentAt);
      if (answer === undefined) return { delivered: true, detail: "Mattermost accepted it" };
      return refused(latest.failed - before.failed, answer);
    }
  }
  const failed = latest.failed - before.failed;
  if (failed > 0) return refused(failed, await mattermostAnswer(options, sentAt));
  return {
    delivered: false,
    detail:
      "Alertmanager sent nothing in time: is this severity routed to Mattermost, and is the wait longer than group_wait?",
  };
}

function refused(failed: number, answer: string | undefined): TestAlertResult {
  return {
    delivered: false,
    detail: `Mattermost refused it (${failed} failed request${failed === 1 ? "" : "s"}): ${answer ?? "Alertmanager's log has its answer"}`,
  };
}

/** What Mattermost answered this severity's receiver since the test alert went out, from the log. */
async function mattermostAnswer(options: TestAlertOptions, sentAt: number): Promise<string | undefined> {
  const log = options.alertmanagerLog ? await options.alertmanagerLog() : undefined;
  const receiver = `mattermost-${options.severity}`;
  const failure = deliveryFailures(log ?? "")
    .filter((f) => f.receiver === receiver && (f.time?.getTime() ?? 0) >= sentAt - 1000)
    .at(-1);
  return failure ? describeFailure(failure) : undefined;
}

/** Requests to Slack-style webhooks (Mattermost) and how many of them failed, from /metrics. */
async function deliveryCounters(options: TestAlertOptions): Promise<DeliveryCounters | undefined> {
  const response = await httpGet(new URL("/metrics", options.alertmanagerUrl).toString(), {
    headers: { ...options.headers },
    timeoutMs: 5000,
  });
  if (!response || response.status !== 200) return undefined;
  return {
    requests: sampleValue(response.body, 'alertmanager_notification_requests_total{integration="slack"}'),
    failed: sampleValue(
      response.body,
      'alertmanager_notification_requests_failed_total{integration="slack"}',
    ),
  };
}

export function sampleValue(exposition: string, series: string): number {
  const line = exposition.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

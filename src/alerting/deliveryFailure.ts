// Why a notification did not reach Mattermost, from Alertmanager's own log: its dispatcher logs
// "Notify for alerts failed" with the receiver and Mattermost's answer (status and body) when it
// gives up, and "Notify attempt failed, will retry later" for each 5xx it retries
// (notify/notify.go RetryStage, notify/util.go Retrier.Check). Each answer is explained for
// people: what it means and what to change.

export interface DeliveryFailure {
  readonly time?: Date;
  /** The Alertmanager receiver: mattermost-critical, mattermost-warning, ... */
  readonly receiver: string;
  /** slack[0]: Mattermost is reached through the Slack integration. */
  readonly integration: string;
  /** Whether Alertmanager gave up (a 4xx, or its time ran out) or will retry (a 5xx). */
  readonly final: boolean;
  readonly status?: number;
  /** Mattermost's answer, ids that could be the webhook's own replaced by "<id>". */
  readonly body?: string;
  readonly error: string;
}

/** Every delivery failure in `log` (Alertmanager's logfmt lines), oldest first. */
export function deliveryFailures(log: string): DeliveryFailure[] {
  return log.split("\n").flatMap((line): DeliveryFailure[] => {
    const fields = logfmt(line);
    const message = fields.get("msg");
    const final = message === "Notify for alerts failed";
    if (!final && message !== "Notify attempt failed, will retry later") return [];
    const error = fields.get("err") ?? "";
    // The dispatcher's error starts with "<receiver>/<integration>: ".
    const prefix = /^([^/\s]+)\/(\S+?): /.exec(error);
    const receiver = fields.get("receiver") ?? prefix?.[1] ?? "";
    const integration = fields.get("integration") ?? prefix?.[2] ?? "";
    const answer = /unexpected status code (\d{3})(?:: ([\s\S]*))?$/.exec(error);
    const time = fields.get("ts");
    return [
      {
        ...(time && !Number.isNaN(Date.parse(time)) ? { time: new Date(time) } : {}),
        receiver,
        integration,
        final,
        ...(answer ? { status: Number(answer[1]) } : {}),
        ...(answer?.[2] ? { body: redactIds(answer[2].trim()) } : {}),
        error: redactIds(error),
      },
    ];
  });
}

/**
 * When each receiver last delivered after retrying: Alertmanager logs "Notify success" at info
 * level only after a retry (a first attempt that succeeds is logged at debug level).
 */
export function retriedDeliveries(log: string): Map<string, Date> {
  const last = new Map<string, Date>();
  for (const line of log.split("\n")) {
    const fields = logfmt(line);
    const time = Date.parse(fields.get("ts") ?? "");
    const receiver = fields.get("receiver");
    if (fields.get("msg") === "Notify success" && receiver && !Number.isNaN(time))
      last.set(receiver, new Date(time));
  }
  return last;
}

/**
 * Mattermost ids are 26 characters of [a-z0-9]; newer servers name the webhook's id (the secret
 * part of its URL) in their error message.
 */
function redactIds(text: string): string {
  return text.replace(/\b[a-z0-9]{26}\b/g, "<id>");
}

/** key=value and key="quoted \"value\"" pairs of one logfmt line. */
function logfmt(line: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const match of line.matchAll(/([\w.-]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g)) {
    const [, key = "", quoted, bare] = match;
    fields.set(key, quoted !== undefined ? unquote(quoted) : (bare ?? ""));
  }
  return fields;
}

function unquote(text: string): string {
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return text.replace(/\\(.)/g, "$1");
  }
}

/** What Mattermost's answer means for an incoming webhook, and what to change. */
export function explainAnswer(status: number | undefined, body = ""): string {
  const id = /"id":"([^"]+)"/.exec(body)?.[1] ?? "";
  if (status === undefined) return "Mattermost did not answer: is it reachable from this host?";
  if (status === 400 && id.includes("invalid.app_error"))
    return "the webhook does not exist: it was deleted or its URL is wrong; create one and update the URL file";
  if (status === 400 && id.includes("user.app_error"))
    return "the channel names a user (@name) Mattermost does not know";
  if (status === 400)
    return "Mattermost refused the request: most often the webhook was deleted or its URL is wrong (newer servers say no more than that); check the URL in Mattermost's Integrations > Incoming Webhooks";
  if (status === 403)
    return "the webhook may not post to this channel: it is locked to its own channel, or its creator cannot post to this private channel; post to the hook's channel (drop alerting.mattermost.<severity>.channel), unlock it, or give this severity its own webhook";
  if (status === 404)
    return "no such channel in the webhook's team: set alerting.mattermost.<severity>.channel to the name in the channel's URL, not its display name";
  if (status === 413)
    return "the message was larger than Mattermost's MaximumPayloadSizeBytes (300,000 bytes by default)";
  if (status === 429)
    return "Mattermost's rate limit refused it: raise RateLimitSettings or exempt this host";
  if (status === 501)
    return "incoming webhooks are turned off: System Console > Integrations > Integration Management > Enable Incoming Webhooks";
  if (status === 500)
    return "Mattermost could not create the post: the channel is archived, or the server has a problem (Alertmanager retries a 5xx)";
  if (status >= 500) return "Mattermost failed (Alertmanager retries a 5xx)";
  return `Mattermost answered ${status}`;
}

/** One line for people: "mattermost-critical: 403 {…}: the webhook may not post …". */
export function describeFailure(failure: DeliveryFailure): string {
  const answer =
    failure.status !== undefined
      ? `${failure.status}${failure.body ? ` ${failure.body}` : ""}`
      : failure.error;
  const meaning = failure.status !== undefined ? `: ${explainAnswer(failure.status, failure.body)}` : "";
  return `${failure.receiver}: Mattermost answered ${answer}${meaning}`;
}

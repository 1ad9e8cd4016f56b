// Silences and the alerts they hold back, for people: one table, newest state first. Every text
// in it comes from Alertmanager, where anyone allowed to silence wrote it: printed escaped.
import { formatLabelMatcher } from "../alerting/labelMatcher.js";
import { formatDuration } from "../lib/duration.js";
import { escapeInvisible } from "../lib/log.js";
import { formatTable } from "../lib/textTable.js";
import type { ApiAlert, Silence } from "./silenceApi.js";
import { fromApiMatcher } from "./silenceRequest.js";

const STATE_ORDER = ["active", "pending", "expired"];

export function silenceMatchersText(silence: Pick<Silence, "matchers">): string {
  return escapeInvisible(silence.matchers.map((m) => formatLabelMatcher(fromApiMatcher(m))).join(", "));
}

/** "in 1h59m", "2h ago": to the minute, which is what people plan with. */
export function relativeTime(when: Date, now: Date): string {
  const ms = when.getTime() - now.getTime();
  const rounded = Math.max(60_000, Math.round(Math.abs(ms) / 60_000) * 60_000);
  return ms >= 0 ? `in ${formatDuration(rounded)}` : `${formatDuration(rounded)} ago`;
}

/** How many of the alerts each silence holds back right now. */
export function silencedCounts(alerts: readonly ApiAlert[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const alert of alerts) {
    for (const id of alert.status.silencedBy ?? []) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

export function formatSilences(silences: readonly Silence[], alerts: readonly ApiAlert[], now: Date): string {
  if (silences.length === 0) return "No silences.";
  const counts = silencedCounts(alerts);
  const sorted = [...silences].sort(
    (a, b) =>
      STATE_ORDER.indexOf(a.status.state) - STATE_ORDER.indexOf(b.status.state) ||
      a.endsAt.localeCompare(b.endsAt),
  );
  return formatTable([
    ["ID", "STATE", "MATCHERS", "ENDS", "SILENCING", "BY", "COMMENT"],
    ...sorted.map((s) => [
      s.id,
      escapeInvisible(s.status.state),
      silenceMatchersText(s),
      s.status.state === "pending"
        ? `starts ${relativeTime(new Date(s.startsAt), now)}`
        : relativeTime(new Date(s.endsAt), now),
      s.status.state === "expired" ? "-" : String(counts.get(s.id) ?? 0),
      escapeInvisible(s.createdBy),
      escapeInvisible(s.comment),
    ]),
  ]);
}

/** "NodeDown at db1": what an alert is, in a line. */
export function alertText(alert: ApiAlert): string {
  const name = alert.labels["alertname"] ?? "(no name)";
  const instance = alert.labels["instance"];
  return escapeInvisible(instance ? `${name} at ${instance}` : name);
}

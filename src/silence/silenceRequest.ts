// What `stackmon silence add` asks for, as Alertmanager's v2 API takes it (api/v2/openapi.yaml,
// postableSilence): matchers from --host, --alert and --matcher, a start and an end, who and why.
// Pure: the clock and the author are given.
import { UserError } from "../config/configError.js";
import {
  formatLabelMatcher,
  matchesLabel,
  oneOf,
  parseLabelMatcher,
  type LabelMatcher,
} from "../alerting/labelMatcher.js";

/** A matcher as the API writes it. */
export interface ApiMatcher {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  /** Absent in silences made before Alertmanager 0.22: equal. */
  readonly isEqual?: boolean;
}

export interface PostableSilence {
  readonly matchers: readonly ApiMatcher[];
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly comment: string;
}

export interface SilenceFlags {
  readonly hosts: readonly string[];
  readonly alerts: readonly string[];
  readonly matchers: readonly string[];
}

export interface KnownNames {
  /** The hosts of the inventory, or this machine's name. */
  readonly hosts: readonly string[];
  readonly inventory: boolean;
  readonly alerts: readonly string[];
}

/**
 * The silence's matchers: --host is a matcher on instance (a host's name is the instance of
 * everything it exports), --alert on alertname; several of one flag are any of them (one regex
 * matcher, since Alertmanager ANDs matchers).
 */
export function silenceMatchers(flags: SilenceFlags, known: KnownNames): LabelMatcher[] {
  const unknownHosts = flags.hosts.filter((h) => !known.hosts.includes(h));
  if (unknownHosts.length > 0) {
    throw new UserError(
      known.inventory
        ? `--host: no host ${unknownHosts.join(", ")} in the inventory`
        : `--host: ${unknownHosts.join(", ")} is not this machine (${known.hosts.join(", ")}), and there is no inventory`,
      { hint: `hosts: ${known.hosts.join(", ")}; --matcher instance=NAME silences any instance` },
    );
  }
  const unknownAlerts = flags.alerts.filter((a) => !known.alerts.includes(a));
  if (unknownAlerts.length > 0) {
    throw new UserError(`--alert: no alert ${unknownAlerts.join(", ")}`, {
      hint: '"stackmon alerts" lists every alert name; --matcher alertname=NAME silences any name',
    });
  }
  const matchers = [
    ...(flags.hosts.length > 0 ? [oneOf("instance", flags.hosts)] : []),
    ...(flags.alerts.length > 0 ? [oneOf("alertname", flags.alerts)] : []),
    ...flags.matchers.map((text) => {
      const parsed = parseLabelMatcher(text);
      if (typeof parsed === "string") throw new UserError(`--matcher: ${parsed}`);
      return parsed;
    }),
  ];
  if (matchers.length === 0) {
    throw new UserError("say what to silence: --host NAME, --alert NAME or --matcher label=value", {
      hint: 'stackmon silence add --host db1 --for 2h --comment "disk swap"',
    });
  }
  // Alertmanager refuses it too (silence/silence.go validateSilence), with a less helpful message.
  if (matchers.every((m) => matchesLabel(m, {}))) {
    throw new UserError(
      `${matchers.map(formatLabelMatcher).join(", ")} would also match alerts without these labels: it would silence everything`,
      { hint: "add a matcher that needs a value, such as --host NAME" },
    );
  }
  return matchers;
}

export function toApiMatcher(matcher: LabelMatcher): ApiMatcher {
  return {
    name: matcher.label,
    value: matcher.value,
    isRegex: matcher.op === "=~" || matcher.op === "!~",
    isEqual: matcher.op === "=" || matcher.op === "=~",
  };
}

export function fromApiMatcher(matcher: ApiMatcher): LabelMatcher {
  const equal = matcher.isEqual !== false;
  const op = matcher.isRegex ? (equal ? "=~" : "!~") : equal ? "=" : "!=";
  return { label: matcher.name, op, value: matcher.value };
}

/** The longest silence: past a year it is forgetting, not maintenance. */
const MAX_DURATION_MS = 366 * 86_400_000;

export function postableSilence(input: {
  readonly matchers: readonly LabelMatcher[];
  readonly durationMs: number;
  readonly comment: string;
  readonly author: string;
  readonly now: Date;
}): PostableSilence {
  if (!(input.durationMs > 0) || input.durationMs > MAX_DURATION_MS) {
    throw new UserError("--for: a silence lasts more than 0s and at most a year", {
      hint: "e.g. --for 2h, --for 30m, --for 3d",
    });
  }
  const comment = input.comment.trim();
  if (comment === "") {
    throw new UserError("--comment: say why, for whoever wonders where the alerts went", {
      hint: '--comment "replacing the disk in db1"',
    });
  }
  if (input.author.trim() === "") throw new UserError("--author: who is silencing (default: your user name)");
  return {
    matchers: input.matchers.map(toApiMatcher),
    startsAt: input.now.toISOString(),
    endsAt: new Date(input.now.getTime() + input.durationMs).toISOString(),
    createdBy: input.author.trim(),
    comment,
  };
}

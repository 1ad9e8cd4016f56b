// Recurring maintenance windows (`alerting.maintenance`): the alerts they select are not
// delivered during their hours, every week, in their time zone. Rendered as Alertmanager
// `time_intervals` (0.24+; `location` from 0.25, timeinterval/timeinterval.go) and as Grafana
// mute timings, which share that format.
import { z } from "zod";
import { hasSelector, selectorShape, type SelectorSettings } from "./selector.js";

export const WEEKDAYS = [
  "sunday",
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** "HH:MM", and "24:00" for the end of a day: Alertmanager's validTime. */
const CLOCK = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const clock = z.string().regex(CLOCK, 'must be a time of day "HH:MM" (00:00 to 24:00)');

/** Names of windows and routes end up in Alertmanager and Grafana names: keep them plain. */
export const ROUTING_NAME = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const routingName = z
  .string()
  .regex(ROUTING_NAME, "must be lower-case letters, digits and -, at most 40 characters")
  .refine((name) => !name.startsWith("stackmon-"), { message: 'must not start with "stackmon-"' });

const weeklyHours = z
  .strictObject({
    /** Every day when absent. */
    days: z
      .array(z.enum(WEEKDAYS, { message: `must be a day of the week: ${WEEKDAYS.join(", ")}` }))
      .min(1)
      .refine((days) => new Set(days).size === days.length, { message: "lists a day twice" })
      .optional(),
    start: clock.refine((text) => text !== "24:00", { message: "a window starts at 23:59 at the latest" }),
    /** Before `start`: the window runs past midnight into the next day. */
    end: clock,
  })
  .refine((hours) => minutes(hours.start) !== minutes(hours.end), {
    message: "start and end are the same time: the window would be empty",
    path: ["end"],
  });

/** IANA names: each part starts with a capital ("America/Port-au-Prince", "Etc/GMT+5", "UTC"). */
const ZONE_NAME = /^[A-Z][A-Za-z0-9_+-]*(?:\/[A-Z][A-Za-z0-9_+-]*)*$/;

/**
 * An IANA time zone as Go's time.LoadLocation finds it in the host's zoneinfo, where file names
 * are case-sensitive: a name the time zone database knows, spelled exactly. "Local" would be the
 * server's own zone, whatever it is: not accepted.
 */
export const timeZone = z.string().superRefine((text, ctx) => {
  let known: string | undefined;
  try {
    known = new Intl.DateTimeFormat("en", { timeZone: text }).resolvedOptions().timeZone;
  } catch {
    known = undefined;
  }
  if (known === undefined || text === "Local") {
    ctx.addIssue({ code: "custom", message: 'must be a time zone such as "Europe/Berlin" or "UTC"' });
  } else if (!ZONE_NAME.test(text)) {
    const spelled = Intl.supportedValuesOf("timeZone").find((n) => n.toLowerCase() === text.toLowerCase());
    ctx.addIssue({ code: "custom", message: `write it as "${spelled ?? known}"` });
  }
});

export const maintenanceWindowSchema = z
  .strictObject({
    name: routingName,
    ...selectorShape,
    weekly: z.array(weeklyHours).min(1),
    /** The zone the hours are in; required, so that 02:00 is nobody's guess. */
    timezone: timeZone,
  })
  .superRefine((window, ctx) => {
    if (!hasSelector(window)) {
      ctx.addIssue({
        code: "custom",
        path: ["name"],
        message: "say which alerts it mutes: hosts, host_labels, components, alerts or matchers",
      });
    }
  });

export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema> & SelectorSettings;
export type WeeklyHours = z.infer<typeof weeklyHours>;

/** One of Alertmanager's time_intervals entries (timeinterval.TimeInterval). */
export interface TimeIntervalSpec {
  readonly times: readonly { readonly start_time: string; readonly end_time: string }[];
  readonly weekdays?: readonly Weekday[];
  readonly location: string;
}

/** A named time interval, as alertmanager.yml's `time_intervals` and Grafana's `muteTimes` list them. */
export interface NamedTimeInterval {
  readonly name: string;
  readonly time_intervals: readonly TimeIntervalSpec[];
}

function minutes(clockText: string): number {
  const [hours = "0", mins = "0"] = clockText.split(":");
  return Number(hours) * 60 + Number(mins);
}

/**
 * The window's hours as time intervals. A range past midnight ("22:00" to "02:00") is two: the
 * evening on its days and the early hours on the days after, since a range ends within its day.
 */
export function windowTimeIntervals(window: MaintenanceWindow): NamedTimeInterval {
  const intervals = window.weekly.flatMap((hours): TimeIntervalSpec[] => {
    const days = hours.days ? sortedDays(hours.days) : undefined;
    const part = (start: string, end: string, on?: readonly Weekday[]): TimeIntervalSpec => ({
      times: [{ start_time: start, end_time: end }],
      ...(on ? { weekdays: on } : {}),
      location: window.timezone,
    });
    if (minutes(hours.start) < minutes(hours.end)) return [part(hours.start, hours.end, days)];
    const next = days ? sortedDays(days.map(nextDay)) : undefined;
    return [
      part(hours.start, "24:00", days),
      ...(hours.end === "00:00" ? [] : [part("00:00", hours.end, next)]),
    ];
  });
  return { name: window.name, time_intervals: intervals };
}

function nextDay(day: Weekday): Weekday {
  return WEEKDAYS[(WEEKDAYS.indexOf(day) + 1) % 7] ?? "sunday";
}

function sortedDays(days: readonly Weekday[]): Weekday[] {
  return [...days].sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b));
}

/** For people: "sunday 02:00–04:00", "every day 22:00–02:00 (next day)". */
export function describeHours(hours: WeeklyHours): string {
  const days = hours.days ? sortedDays(hours.days).join(", ") : "every day";
  const overnight = minutes(hours.end) <= minutes(hours.start) ? " (next day)" : "";
  return `${days} ${hours.start}–${hours.end}${overnight}`;
}

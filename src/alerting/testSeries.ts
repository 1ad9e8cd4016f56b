// Small builders for promtool test cases, so each alert's cases read as what they mean: "this
// series, held past the rule's `for`, fires it".
import type { AlertTestCase, AlertTestInput, TestSeries } from "./alertRule.js";

/** A test series selector: `metric{name="value",...}` with the labels in the order given. */
export function seriesOf(metric: string, labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${value}"`);
  return `${metric}{${pairs.join(",")}}`;
}

/** Minutes of samples: the rule's `for`, plus room for rate windows before and a margin after. */
export function sampleMinutes(input: AlertTestInput, lookback = 15): number {
  return input.forMinutes + lookback + 10;
}

/** When a case is evaluated: after the lookback window and the rule's `for` have both passed. */
export function evalMinutes(input: AlertTestInput, lookback = 15): number {
  return input.forMinutes + lookback + 5;
}

/** A series holding one value for the whole case. */
export function steady(series: string, value: number, input: AlertTestInput, lookback = 15): TestSeries {
  return { series, values: `${value}x${sampleMinutes(input, lookback)}` };
}

/** A series rising by `perMinute` from `start` for the whole case (counters). */
export function rising(
  series: string,
  start: number,
  perMinute: number,
  input: AlertTestInput,
  lookback = 15,
): TestSeries {
  return { series, values: `${start}+${perMinute}x${sampleMinutes(input, lookback)}` };
}

/** A case of steady or rising series evaluated once `for` has passed. */
export function caseOf(
  series: readonly TestSeries[],
  input: AlertTestInput,
  expect?: AlertTestCase["expect"],
  lookback = 15,
): AlertTestCase {
  return { series, evalMinutes: evalMinutes(input, lookback), ...(expect ? { expect } : {}) };
}

/**
 * How Prometheus's `humanize` prints a plain number below 1000 (four significant digits, no
 * trailing zeros), so that expected annotations are computed the way the template prints them.
 */
export function humanized(value: number): string {
  return String(Number(value.toPrecision(4)));
}

/**
 * A series moving by `perMinute` (negative: falling) that holds exactly `atEval` from the moment
 * the case is evaluated, so the value a template prints does not depend on float sums of steps.
 */
export function ramp(
  series: string,
  atEval: number,
  perMinute: number,
  input: AlertTestInput,
  lookback = 15,
): TestSeries {
  const at = evalMinutes(input, lookback);
  const start = atEval - perMinute * at;
  const step = perMinute < 0 ? `-${-perMinute}` : `+${perMinute}`;
  return { series, values: `${start}${step}x${at - 1} ${atEval}x${sampleMinutes(input, lookback) - at}` };
}

/**
 * How Prometheus's `humanizeDuration` prints seconds: "80ms" below a second, "1.5s" below a
 * minute, then "2m 5s", "3h 0m 0s", "1d 2h 0m 0s" with whole seconds.
 */
export function humanizedDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  if (Math.abs(seconds) < 1) {
    const prefixes = ["m", "u", "n", "p", "f", "a", "z", "y"];
    let scaled = seconds;
    let prefix = "";
    for (const p of prefixes) {
      if (Math.abs(scaled) >= 1) break;
      prefix = p;
      scaled *= 1000;
    }
    return `${humanized(scaled)}${prefix}s`;
  }
  const sign = seconds < 0 ? "-" : "";
  const whole = Math.trunc(Math.abs(seconds));
  const [days, hours, minutes, secs] = [
    Math.trunc(whole / 86_400),
    Math.trunc(whole / 3600) % 24,
    Math.trunc(whole / 60) % 60,
    whole % 60,
  ];
  if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${secs}s`;
  if (hours !== 0) return `${sign}${hours}h ${minutes}m ${secs}s`;
  if (minutes !== 0) return `${sign}${minutes}m ${secs}s`;
  return `${sign}${humanized(Math.abs(seconds))}s`;
}

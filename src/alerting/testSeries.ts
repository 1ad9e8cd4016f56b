// Small builders for promtool test cases, so each alert's cases read as what they mean: "this
// series, held past the rule's `for`, fires it".
import type { AlertTestCase, AlertTestInput, TestSeries } from "./alertRule.js";

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

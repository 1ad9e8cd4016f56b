// The metrics an app publishes with @pm2/io, as PM2 keeps them (pm2_env.axm_monitor: name →
// { value, unit, historic, type }), turned into numbers in base units. Pure.
//
// PM2 does not keep a metric's kind: @pm2/io's IPCTransport.setMetrics sends only name, value,
// unit, historic and the metric's id (as `type`), so a gauge, a counter, a meter and a histogram
// arrive alike. What tells them apart for Prometheus is the unit, so the family follows the unit.

/** One family per kind of unit; the value is converted to the family's base unit. */
export type IoFamily = "plain" | "seconds" | "bytes" | "ratio" | "per_second" | "bytes_per_second";

export interface IoMetric {
  /** The name the app gave it, exported as the `metric` label. */
  readonly name: string;
  readonly family: IoFamily;
  readonly value: number;
}

/** Names longer than this are not exported (counted as dropped): a label is not a log line. */
export const MAX_IO_NAME_LENGTH = 128;

const SECONDS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6, // U+00B5 micro sign
  μs: 1e-6, // U+03BC Greek mu
  ms: 1e-3,
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hour: 3600,
  hours: 3600,
};

// @pm2/io's own "kb/s" is KiB per second (metrics/network.js divides by 1024), and its heap sizes
// are MiB; so the decimal-looking spellings are read as binary ones too.
const BYTES: Readonly<Record<string, number>> = {
  b: 1,
  byte: 1,
  bytes: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

export interface UnitConversion {
  readonly family: IoFamily;
  /** value × factor is the value in the family's base unit. */
  readonly factor: number;
}

const PLAIN: UnitConversion = { family: "plain", factor: 1 };

/** What a unit string means: "ms" → seconds × 0.001, "req/min" → per second ÷ 60, "users" → plain. */
export function unitConversion(unit: unknown): UnitConversion {
  if (typeof unit !== "string") return PLAIN;
  const text = unit.trim().toLowerCase();
  if (text === "%") return { family: "ratio", factor: 0.01 };
  const slash = text.lastIndexOf("/");
  if (slash >= 0) {
    const per = SECONDS[text.slice(slash + 1).trim()];
    if (per === undefined) return PLAIN;
    // A rate of something per time unit; when that something is a size, a throughput in bytes.
    const size = BYTES[text.slice(0, slash).trim()];
    return size === undefined
      ? { family: "per_second", factor: 1 / per }
      : { family: "bytes_per_second", factor: size / per };
  }
  const seconds = SECONDS[text];
  if (seconds !== undefined) return { family: "seconds", factor: seconds };
  const bytes = BYTES[text];
  if (bytes !== undefined) return { family: "bytes", factor: bytes };
  return PLAIN;
}

/**
 * The value in base units, rounded to 15 significant digits: 0.97 ms is 0.00097 s, not the
 * 0.0009699999999999999 binary floating point makes of it. The value had fewer digits anyway.
 */
export function converted(value: number, conversion: UnitConversion): number {
  return conversion.factor === 1 ? value : Number((value * conversion.factor).toPrecision(15));
}

/** A finite number from a number or a numeric string ("12.50"); anything else is not a value. */
export function finiteNumber(value: unknown): number | undefined {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export interface IoMetricsOfProcess {
  /** Sorted by name, at most `limit` of them. */
  readonly metrics: readonly IoMetric[];
  /** Numeric metrics left out: beyond the limit, or with an over-long name. */
  readonly dropped: number;
}

/**
 * Every numeric metric of one process, except the names `skip` (exported in families of their
 * own). Non-numeric values (strings such as "N/A", booleans, objects) are skipped, not counted:
 * @pm2/io lets an app publish text. Sorted by name so that the cap keeps the same ones each time.
 */
export function ioMetricsOf(
  monitor: unknown,
  limit: number,
  skip: ReadonlySet<string> = new Set(),
): IoMetricsOfProcess {
  if (!isObject(monitor)) return { metrics: [], dropped: 0 };
  const metrics: IoMetric[] = [];
  let dropped = 0;
  for (const name of Object.keys(monitor).sort()) {
    if (name === "" || skip.has(name)) continue;
    const entry = monitor[name];
    if (!isObject(entry)) continue;
    const value = finiteNumber(entry["value"]);
    if (value === undefined) continue;
    if (metrics.length >= limit || name.length > MAX_IO_NAME_LENGTH) {
      dropped++;
      continue;
    }
    const conversion = unitConversion(entry["unit"]);
    metrics.push({ name, family: conversion.family, value: converted(value, conversion) });
  }
  return { metrics, dropped };
}

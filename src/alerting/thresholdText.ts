// How a threshold reads to a person: "free space below 5%", "expires within 21 days".
import type { ResolvedAlert, ThresholdUnit } from "./alertRule.js";

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

export function formatThresholdValue(value: number, unit: ThresholdUnit): string {
  switch (unit) {
    case "percent":
      return `${value}%`;
    case "seconds":
      return `${value}s`;
    case "days":
      return value === 1 ? "1 day" : `${value} days`;
    case "per-second":
      return `${value}/s`;
    case "bytes": {
      let scaled = value;
      let i = 0;
      while (scaled >= 1024 && i < BYTE_UNITS.length - 1) {
        scaled /= 1024;
        i++;
      }
      return `${Number(scaled.toPrecision(3))} ${BYTE_UNITS[i]}`;
    }
    case "count":
    case "ratio":
      return String(value);
  }
}

/**
 * "free space below 5%", or "-" for an alert without a tunable threshold. The value goes where
 * `reads` says {value}, else at its end.
 */
export function thresholdText(alert: ResolvedAlert): string {
  const t = alert.threshold;
  if (!t) return "-";
  const value = formatThresholdValue(t.value, t.unit);
  return t.reads.includes("{value}") ? t.reads.replace("{value}", value) : `${t.reads} ${value}`;
}

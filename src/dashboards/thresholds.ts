// Panel thresholds drawn from the alert catalog, so that a panel turns red exactly where its alert
// fires. Each dashboard names the alert it mirrors; until that alert exists (or when it is
// disabled), the documented default stands in.
import type { ThresholdsConfigBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import type { ResolvedAlert, ThresholdUnit } from "../alerting/alertRule.js";
import type { AlertThresholdRef } from "../components/component.js";
import { thresholdOf } from "../alerting/catalog.js";
import { dashboard } from "./grafanaSdk.js";

export type { AlertThresholdRef };

/** Factors between units that measure the same thing, so a catalog in ratio serves a panel in percent. */
const SAME_QUANTITY: Partial<Record<ThresholdUnit, Partial<Record<ThresholdUnit, number>>>> = {
  percent: { ratio: 100 },
  ratio: { percent: 0.01 },
  seconds: { days: 86_400 },
  days: { seconds: 1 / 86_400 },
};

/** The effective threshold of the alert, in the panel's unit, or the default when it is absent. */
export function alertThreshold(alerts: readonly ResolvedAlert[], ref: AlertThresholdRef): number {
  const alert = alerts.find(
    (a) => a.name === ref.alert && (ref.severity === undefined || a.severity === ref.severity),
  );
  const value = thresholdOf(alerts, ref.alert, ref.severity);
  if (alert?.threshold === undefined || value === undefined) return ref.fallback;
  if (alert.threshold.unit === ref.unit) return value;
  const factor = SAME_QUANTITY[ref.unit]?.[alert.threshold.unit];
  // A catalog threshold in a unit the panel cannot show is a mistake in the dashboard's reference.
  if (factor === undefined)
    throw new Error(
      `alert ${ref.alert} has its threshold in ${alert.threshold.unit}, the panel in ${ref.unit}`,
    );
  return value * factor;
}

export type StepColor = "green" | "orange" | "red" | "blue" | "text";

/** Thresholds for a value that is bad when high: green, then orange at `warning`, red at `critical`. */
export function highIsBad(levels: {
  readonly warning?: number;
  readonly critical?: number;
}): ThresholdsConfigBuilder {
  const steps: { value: number | null; color: StepColor }[] = [{ value: null, color: "green" }];
  if (levels.warning !== undefined) steps.push({ value: levels.warning, color: "orange" });
  if (levels.critical !== undefined) steps.push({ value: levels.critical, color: "red" });
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps);
}

/** Thresholds for a value that is bad when low: red, then orange from `critical`, green from `warning`. */
export function lowIsBad(levels: {
  readonly warning?: number;
  readonly critical?: number;
}): ThresholdsConfigBuilder {
  const steps: { value: number | null; color: StepColor }[] = [];
  if (levels.critical !== undefined) {
    steps.push({ value: null, color: "red" });
    steps.push({ value: levels.critical, color: levels.warning !== undefined ? "orange" : "green" });
    if (levels.warning !== undefined) steps.push({ value: levels.warning, color: "green" });
  } else {
    steps.push({ value: null, color: "orange" });
    if (levels.warning !== undefined) steps.push({ value: levels.warning, color: "green" });
  }
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps);
}

/** Colour bands: `base` below the first step, then each step's colour from its value up. */
export function bands(
  base: StepColor,
  steps: readonly { readonly value: number; readonly color: StepColor }[],
): ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([{ value: null, color: base }, ...steps.map((s) => ({ value: s.value, color: s.color }))]);
}

/** For a 0/1 health value: red below 1. */
export function okWhenOne(): ThresholdsConfigBuilder {
  return lowIsBad({ critical: 1 });
}

/** For a count of bad things: green at 0, red from 1. */
export function badWhenAny(): ThresholdsConfigBuilder {
  return highIsBad({ critical: 1 });
}

// The alert catalog of this config: every component's alerts with the overrides of stackmon.yml
// applied, sorted, each marked enabled or not. Pure.
import type { Component } from "../components/component.js";
import { settingsOf, type StackConfig } from "../config/stackConfig.js";
import { parseDuration } from "../lib/duration.js";
import { SEVERITIES, type AlertDefinition, type ResolvedAlert } from "./alertRule.js";
import { overrideFor, type AlertingSettings } from "./alertingSettings.js";
import { DEFAULT_RUNBOOK_PAGE, runbookUrl } from "./runbooks.js";

/** Every alert any component declares (the keys `alerting.rules` accepts). */
export function alertCatalog(components: readonly Component[]): AlertDefinition[] {
  return components.flatMap((c) => c.alerts);
}

export function alertingSettingsOf(config: StackConfig): AlertingSettings {
  return config.document["alerting"] as AlertingSettings;
}

export function resolveAlerts(components: readonly Component[], config: StackConfig): ResolvedAlert[] {
  const settings = alertingSettingsOf(config);
  const variantsOf = new Map<string, number>();
  for (const alert of alertCatalog(components))
    variantsOf.set(alert.name, (variantsOf.get(alert.name) ?? 0) + 1);

  const resolved = components.flatMap((component) => {
    const componentOn = settingsOf(component, config).enabled;
    return component.alerts.map((alert): ResolvedAlert => {
      const { enabled, override } = overrideFor(settings, alert, variantsOf.get(alert.name) ?? 1);
      const threshold = override.threshold ?? alert.threshold?.default ?? 0;
      const forText = override.for ?? alert.for;
      const forMinutes = Math.ceil((parseDuration(forText) ?? 0) / 60_000);
      return {
        name: alert.name,
        component: component.id,
        componentTitle: component.title,
        severity: override.severity ?? alert.severity,
        for: forText,
        ...(alert.threshold
          ? {
              threshold: {
                value: threshold,
                unit: alert.threshold.unit,
                min: alert.threshold.min,
                max: alert.threshold.max,
                reads: alert.threshold.reads,
              },
            }
          : {}),
        expr: alert.expr(threshold),
        summary: alert.summary,
        description: alert.description,
        runbook: runbookUrl(settings.runbook_url ?? DEFAULT_RUNBOOK_PAGE, alert.name),
        ...(alert.upstream ? { upstream: alert.upstream } : {}),
        ...(alert.inhibits ? { inhibits: alert.inhibits } : {}),
        ...(alert.verify ? { verify: alert.verify } : {}),
        enabled: componentOn && enabled,
        ...(!componentOn
          ? { disabledBy: "component" as const }
          : !enabled
            ? { disabledBy: "config" as const }
            : {}),
        tests: alert.tests({ threshold, forMinutes }),
      };
    });
  });
  return resolved.sort(
    (a, b) =>
      a.component.localeCompare(b.component) ||
      a.name.localeCompare(b.name) ||
      SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity),
  );
}

/** The threshold an enabled alert fires at, for dashboards that draw the same line. */
export function thresholdOf(
  alerts: readonly ResolvedAlert[],
  name: string,
  severity?: ResolvedAlert["severity"],
): number | undefined {
  const alert = alerts.find((a) => a.name === name && (severity === undefined || a.severity === severity));
  return alert?.threshold?.value;
}

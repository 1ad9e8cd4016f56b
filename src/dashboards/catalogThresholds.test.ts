// The dashboards draw their thresholds where the alerts fire: every threshold a panel takes from
// the catalog names a real alert, and a tuned alert moves the panel's threshold with it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ResolvedAlert, ThresholdUnit } from "../alerting/alertRule.js";
import { alertCatalog } from "../alerting/catalog.js";
import type { AlertThresholdRef, DashboardSpec } from "../components/component.js";
import { components } from "../components/registry.js";
import { enabledComponents } from "../render/enabledComponents.js";
import { stackContext, withDashboards } from "../render/render.js";
import { parseStackConfig } from "../stack.js";
import { EVERY_COMPONENT_CONFIG, SYSTEMD_HOST } from "../../test/helpers/dashboardConfigs.js";
import { parseDashboard } from "./inventory.js";

/** Each component's references, with the uids of the dashboards that may draw them. */
const REFERENCES: readonly {
  component: string;
  uids: readonly string[];
  refs: Record<string, AlertThresholdRef>;
}[] = await Promise.all(
  components.map(async (c) => ({
    component: c.id,
    uids: c.dashboardUids,
    refs: { ...(await c.dashboardThresholds()) },
  })),
);

const CONVERTIBLE: Partial<Record<ThresholdUnit, readonly ThresholdUnit[]>> = {
  percent: ["ratio"],
  ratio: ["percent"],
  days: ["seconds"],
  seconds: ["days"],
};

function fakeAlert(ref: AlertThresholdRef, value: number): ResolvedAlert {
  return {
    name: ref.alert,
    component: "test",
    componentTitle: "Test",
    severity: ref.severity ?? "warning",
    for: "5m",
    threshold: { value, unit: ref.unit, min: 0, max: 1e9, reads: "test" },
    expr: "vector(1)",
    summary: "",
    description: "",
    runbook: "https://example.com/runbooks#test",
    enabled: true,
    tests: { fires: { series: [], evalMinutes: 1 } },
  };
}

/** The dashboards of the every-component config, as if the catalog held exactly these alerts. */
function dashboardsWith(alerts: readonly ResolvedAlert[]): readonly DashboardSpec[] {
  const config = parseStackConfig(EVERY_COMPONENT_CONFIG, "stackmon.yml", {});
  const enabled = enabledComponents(components, config, SYSTEMD_HOST);
  const stack = { ...stackContext(config, SYSTEMD_HOST, components, enabled), alerts };
  return withDashboards(stack, enabled).dashboards;
}

/** Every threshold step value of a dashboard's panels, by panel title. */
function stepsOf(spec: DashboardSpec | undefined): Map<string, number[]> {
  assert.ok(spec);
  const steps = new Map<string, number[]>();
  for (const panel of parseDashboard(spec).panels) {
    if (panel.type === "row") continue;
    const values = (panel.fieldConfig?.defaults.thresholds?.steps ?? []).flatMap((s) =>
      s.value === null ? [] : [s.value],
    );
    steps.set(panel.title, values);
  }
  return steps;
}

describe("dashboard thresholds from the alert catalog", () => {
  const catalog = alertCatalog(components);

  for (const { component, refs } of REFERENCES) {
    it(`${component}: every threshold names an alert of the catalog, in a unit the panel can show`, () => {
      // A catalog still being written has nothing to check against yet.
      const own = catalog.filter((a) => components.find((c) => c.id === component)?.alerts.includes(a));
      if (own.length === 0) return;
      for (const [what, ref] of Object.entries(refs)) {
        const alert = catalog.find(
          (a) => a.name === ref.alert && (ref.severity === undefined || a.severity === ref.severity),
        );
        assert.ok(
          alert,
          `${component}.${what}: no alert ${ref.alert}${ref.severity ? ` (${ref.severity})` : ""}`,
        );
        assert.ok(alert.threshold, `${component}.${what}: ${ref.alert} has no threshold`);
        const unit = alert.threshold.unit;
        assert.ok(
          unit === ref.unit || (CONVERTIBLE[ref.unit] ?? []).includes(unit),
          `${component}.${what}: ${ref.alert} is in ${unit}, the panel in ${ref.unit}`,
        );
        assert.equal(
          alert.threshold.default,
          ref.fallback,
          `${component}.${what}: the fallback is the alert's default`,
        );
      }
    });
  }

  for (const { component, uids, refs } of REFERENCES) {
    for (const [what, ref] of Object.entries(refs)) {
      it(`${component}.${what}: a tuned ${ref.alert} moves the threshold its panels draw`, () => {
        // A value no default uses, so that it can only come from the catalog.
        const tuned = ref.fallback + 0.37;
        const uid = uids[0];
        const before = stepsOf(dashboardsWith([]).find((d) => d.uid === uid));
        const after = stepsOf(dashboardsWith([fakeAlert(ref, tuned)]).find((d) => d.uid === uid));
        const moved = [...after].filter(
          ([title, steps]) => JSON.stringify(steps) !== JSON.stringify(before.get(title)),
        );
        assert.ok(moved.length > 0, `no panel of ${uid} draws ${ref.alert}`);
        for (const [title, steps] of moved) {
          const drawn = steps.some((v) => Math.abs(v - tuned) < 1e-5 || Math.abs(100 - v - tuned) < 1e-5);
          assert.ok(drawn, `${uid} "${title}" draws ${steps.join(", ")}, not ${tuned} (or 100 − ${tuned})`);
        }
      });
    }
  }
});

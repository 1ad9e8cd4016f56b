// Configs the dashboard tests render: the defaults, every component with every kind of probe,
// and Grafana evaluating the alerts.
import type { DashboardSpec, RenderTarget } from "../../src/components/component.js";
import { stringify } from "yaml";
import { fullExample, fullExampleText } from "../../src/loadStack.js";
import { parseStackConfig } from "../../src/stack.js";
import { stackDashboards } from "../../src/dashboards/stackDashboards.js";

export const DEFAULT_CONFIG = "global: {hostname: web1}\n";

/** Every component on, with its own example settings (and the core sections' examples). */
export const EVERY_COMPONENT_CONFIG = fullExampleText();

/** The full config with one top-level section's settings merged with `change`. */
export function everyComponentConfigWith(section: string, change: Record<string, unknown>): string {
  const document = fullExample();
  return stringify({ ...document, [section]: { ...(document[section] as object), ...change } });
}

export const GRAFANA_ALERTING_CONFIG = everyComponentConfigWith("alerting", { engine: "grafana" });

export const SYSTEMD_HOST: RenderTarget = { root: "", platform: "systemd" };
export const SUPERVISED: RenderTarget = { root: "/tmp/stackmon-work", platform: "supervisor" };

export function dashboardsOf(
  configText: string,
  target: RenderTarget = SYSTEMD_HOST,
): readonly DashboardSpec[] {
  return stackDashboards(parseStackConfig(configText, "stackmon.yml", {}), target);
}

/** Every config and target combination the dashboards must be right for. */
export const EVERY_CASE: readonly {
  readonly name: string;
  readonly dashboards: () => readonly DashboardSpec[];
}[] = [
  { name: "the defaults on a systemd host", dashboards: () => dashboardsOf(DEFAULT_CONFIG) },
  { name: "every component on a systemd host", dashboards: () => dashboardsOf(EVERY_COMPONENT_CONFIG) },
  {
    name: "every component under stackmon up",
    dashboards: () => dashboardsOf(EVERY_COMPONENT_CONFIG, SUPERVISED),
  },
  { name: "every component with Grafana alerting", dashboards: () => dashboardsOf(GRAFANA_ALERTING_CONFIG) },
];

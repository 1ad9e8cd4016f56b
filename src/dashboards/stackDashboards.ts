// The dashboards a config gives, as the renderer builds them for the Grafana component: every
// enabled component's, plus the overview.
import type { Component, DashboardSpec, RenderTarget } from "../components/component.js";
import { components } from "../components/registry.js";
import type { StackConfig } from "../config/stackConfig.js";
import { enabledComponents } from "../render/enabledComponents.js";
import { stackContext, withDashboards } from "../render/render.js";

export function stackDashboards(
  config: StackConfig,
  target: RenderTarget,
  registry: readonly Component[] = components,
): readonly DashboardSpec[] {
  const enabled = enabledComponents(registry, config, target);
  return withDashboards(stackContext(config, target, registry, enabled), enabled).dashboards;
}

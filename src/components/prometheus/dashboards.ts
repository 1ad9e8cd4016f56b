// The prometheus component's Grafana dashboards.
import type { DashboardSpec } from "../component.js";

export function prometheusDashboards(): readonly DashboardSpec[] {
  return [];
}

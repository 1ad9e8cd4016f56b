// The blackbox component's Grafana dashboards.
import type { DashboardSpec } from "../component.js";

export function blackboxDashboards(): readonly DashboardSpec[] {
  return [];
}

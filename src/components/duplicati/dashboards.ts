// The duplicati component's Grafana dashboards.
import type { DashboardSpec } from "../component.js";

export function duplicatiDashboards(): readonly DashboardSpec[] {
  return [];
}

// The mysql component's Grafana dashboards.
import type { DashboardSpec } from "../component.js";

export function mysqlDashboards(): readonly DashboardSpec[] {
  return [];
}

// The alertmanager component's Grafana dashboards.
import type { DashboardSpec } from "../component.js";

export function alertmanagerDashboards(): readonly DashboardSpec[] {
  return [];
}

// The node component's Grafana dashboards.
import type { DashboardSpec } from "../component.js";

export function nodeDashboards(): readonly DashboardSpec[] {
  return [];
}

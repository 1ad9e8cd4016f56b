// The pm2 component's Grafana dashboards.
import type { DashboardSpec } from "../component.js";

export function pm2Dashboards(): readonly DashboardSpec[] {
  return [];
}

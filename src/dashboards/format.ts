// The dashboards as text for people: one table per dashboard, a line per query, so what Grafana
// will show can be read without opening it.
import { formatTable } from "../lib/textTable.js";
import type { DashboardInventory, PanelInventory } from "./inventory.js";

function panelRows(panel: PanelInventory): string[][] {
  const queries =
    panel.queries.length > 0 ? panel.queries.map((q) => q.expr) : ["(Grafana's own alert list)"];
  const rows = queries.map((expr, i) =>
    i === 0 ? [panel.row, panel.title, panel.type, panel.unit ?? "-", expr] : ["", "", "", "", expr],
  );
  if (panel.emptyWhen !== undefined) rows.push(["", "", "", "", `(empty when ${panel.emptyWhen})`]);
  return rows;
}

export function formatDashboard(dashboard: DashboardInventory): string {
  const variables = dashboard.variables.map((v) => `$${v.name}`).join(", ");
  const header = `${dashboard.title}  /d/${dashboard.uid}  ${dashboard.panels.length} panels  variables: ${variables}`;
  const table = formatTable([
    ["ROW", "PANEL", "KIND", "UNIT", "QUERY"],
    ...dashboard.panels.flatMap(panelRows),
  ]);
  return `${header}\n${table}`;
}

export function formatDashboards(dashboards: readonly DashboardInventory[]): string {
  const panels = dashboards.reduce((n, d) => n + d.panels.length, 0);
  return [
    ...dashboards.map(formatDashboard),
    `${dashboards.length} dashboards, ${panels} panels, in Grafana's "stackmon" folder.`,
  ].join("\n\n");
}

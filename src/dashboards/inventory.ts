// What a dashboard shows, read back from its JSON: each panel with its row, unit and queries.
// `stackmon dashboards` prints it; the tests run every query it lists.
import type { DashboardSpec } from "../components/component.js";
import { emptyReasonOf } from "./panels.js";
import { DashboardSchema, type Dashboard, type DashboardPanel } from "./schema.js";

export interface QueryInventory {
  readonly refId: string;
  readonly expr: string;
  readonly legend?: string;
  /** Instant (one value per series, as stats and tables show) or over the time range. */
  readonly instant: boolean;
}

export interface PanelInventory {
  readonly id: number;
  /** The row the panel sits under ("" before the first row). */
  readonly row: string;
  readonly title: string;
  readonly type: string;
  readonly unit?: string;
  readonly description?: string;
  /** Why it may be empty on a healthy stack, when it says so. */
  readonly emptyWhen?: string;
  readonly queries: readonly QueryInventory[];
}

export interface VariableInventory {
  readonly name: string;
  readonly type: string;
  readonly query?: string;
  /** The default value(s). */
  readonly current?: string | readonly string[];
}

export interface DashboardInventory {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly variables: readonly VariableInventory[];
  readonly panels: readonly PanelInventory[];
}

/** The dashboard's JSON against the schema; throws with every problem when it does not fit. */
export function parseDashboard(spec: DashboardSpec): Dashboard {
  const parsed = DashboardSchema.safeParse(spec.json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  throw new Error(`dashboard ${spec.uid} does not fit Grafana's schema:\n  ${problems.join("\n  ")}`);
}

function panelInventory(panel: DashboardPanel, row: string): PanelInventory {
  const emptyWhen = emptyReasonOf(panel.description);
  const unit = panel.fieldConfig?.defaults.unit;
  return {
    id: panel.id,
    row,
    title: panel.title,
    type: panel.type,
    ...(unit !== undefined ? { unit } : {}),
    ...(panel.description !== undefined ? { description: panel.description } : {}),
    ...(emptyWhen !== undefined ? { emptyWhen } : {}),
    queries: (panel.targets ?? []).map((t) => ({
      refId: t.refId,
      expr: t.expr,
      ...(t.legendFormat !== undefined ? { legend: t.legendFormat } : {}),
      instant: t.instant === true,
    })),
  };
}

export function inventoryOf(spec: DashboardSpec): DashboardInventory {
  const dashboard = parseDashboard(spec);
  let row = "";
  const panels: PanelInventory[] = [];
  for (const panel of dashboard.panels) {
    if (panel.type === "row") row = panel.title;
    else panels.push(panelInventory(panel, row));
  }
  return {
    uid: dashboard.uid,
    title: dashboard.title,
    tags: dashboard.tags,
    variables: dashboard.templating.list.map((v) => ({
      name: v.name,
      type: v.type,
      ...(typeof v.query === "string" ? { query: v.query } : {}),
      ...(v.current?.value !== undefined ? { current: v.current.value } : {}),
    })),
    panels,
  };
}

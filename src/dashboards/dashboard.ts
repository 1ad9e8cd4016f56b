// One stackmon dashboard from its rows of panels: the shared frame (datasource variable, the
// `stackmon` tag and the link menu it feeds, time range, read-only), stable panel ids, and JSON
// with sorted keys so the same config always gives the same bytes.
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import type { Panel, VariableModel } from "@grafana/grafana-foundation-sdk/dashboard";
import type { DashboardSpec } from "../components/component.js";
import { datasourceVariable } from "./variables.js";
import { dashboard } from "./grafanaSdk.js";

/** Every stackmon dashboard carries this tag; the link menu on each lists them all by it. */
export const STACKMON_TAG = "stackmon";

export interface DashboardRow {
  readonly title: string;
  readonly panels: readonly cog.Builder<Panel>[];
}

export interface DashboardDefinition {
  /** Stable: `stackmon-<name>`. */
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  /** Beyond the datasource variable, which every dashboard has first. */
  readonly variables: readonly cog.Builder<VariableModel>[];
  /** Health stats first, trends below. */
  readonly rows: readonly DashboardRow[];
  /** 1 when the component is healthy, 0 when not: the overview's tile. */
  readonly health?: string;
  readonly tags?: readonly string[];
}

/** The link to a stackmon dashboard by its uid, keeping the time range. */
export function dashboardUrl(uid: string): string {
  return `/d/${uid}?\${__url_time_range}`;
}

export function buildDashboard(definition: DashboardDefinition): DashboardSpec {
  const builder = new dashboard.DashboardBuilder(definition.title)
    .uid(definition.uid)
    .description(definition.description)
    .tags([STACKMON_TAG, ...(definition.tags ?? [])])
    .readonly()
    .timezone("browser")
    .time({ from: "now-6h", to: "now" })
    .refresh("1m")
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    // An explicit empty list: Grafana adds its built-in annotations to it.
    .annotations([])
    .link(
      new dashboard.DashboardLinkBuilder("stackmon")
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([STACKMON_TAG])
        .asDropdown(true)
        .keepTime(true)
        .includeVars(false)
        .targetBlank(false),
    )
    .withVariable(datasourceVariable());
  for (const variable of definition.variables) builder.withVariable(variable);
  for (const row of definition.rows) {
    builder.withRow(new dashboard.RowBuilder(row.title));
    for (const panel of row.panels) builder.withPanel(panel);
  }
  const json = laidOut(builder.build() as unknown as Record<string, unknown>);
  return {
    uid: definition.uid,
    title: definition.title,
    json: sortedKeys(json) as Record<string, unknown>,
    ...(definition.health !== undefined ? { health: definition.health } : {}),
  };
}

interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/**
 * Panels flow left to right in their given widths and wrap when the next would not fit; each row
 * starts below everything before it. Ids are 1, 2, 3... in that order: stable across renders.
 */
function laidOut(json: Record<string, unknown>): Record<string, unknown> {
  const panels = Array.isArray(json["panels"]) ? (json["panels"] as Record<string, unknown>[]) : [];
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  const placed = panels.map((panel, index) => {
    const size = (panel["gridPos"] as GridPos | undefined) ?? { x: 0, y: 0, w: 24, h: 8 };
    let gridPos: GridPos;
    if (panel["type"] === "row") {
      y += lineHeight;
      gridPos = { x: 0, y, w: 24, h: 1 };
      y += 1;
      x = 0;
      lineHeight = 0;
    } else {
      if (x + size.w > 24) {
        y += lineHeight;
        x = 0;
        lineHeight = 0;
      }
      gridPos = { x, y, w: size.w, h: size.h };
      x += size.w;
      lineHeight = Math.max(lineHeight, size.h);
    }
    return { ...panel, id: index + 1, gridPos };
  });
  return { ...json, panels: placed };
}

/**
 * Plain JSON data: a deep copy with every object's keys in sorted order (arrays keep theirs),
 * without the marker methods the SDK puts on queries.
 */
export function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && typeof v !== "function")
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortedKeys(v)]));
  }
  return value;
}

// The few panel shapes stackmon dashboards use, each with a unit, the datasource variable on the
// panel and on every query, and a description that says what the panel shows. Health values are
// instant stats; trends are time series over range queries.
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import type {
  DashboardLinkBuilder,
  Panel,
  ThresholdsConfigBuilder,
  ValueMapping,
} from "@grafana/grafana-foundation-sdk/dashboard";
import type { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import type { PanelBuilder as StatPanelBuilder } from "@grafana/grafana-foundation-sdk/stat";
import type { PanelBuilder as StateTimelinePanelBuilder } from "@grafana/grafana-foundation-sdk/statetimeline";
import type { PanelBuilder as TablePanelBuilder } from "@grafana/grafana-foundation-sdk/table";
import type { PanelBuilder as TimeseriesPanelBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import type * as units from "@grafana/grafana-foundation-sdk/units";
import { PROMETHEUS } from "./variables.js";
import { common, dashboard, prometheus, stat, statetimeline, table, timeseries } from "./grafanaSdk.js";

/** One of Grafana's unit ids, as the SDK lists them. */
export type Unit = Extract<(typeof units)[keyof typeof units], string>;

export interface Query {
  readonly expr: string;
  /** Series name in the legend, e.g. "{{instance}} {{mountpoint}}". */
  readonly legend?: string;
}

/** A link a panel offers: to another stackmon dashboard by uid, or any URL. */
export interface PanelLink {
  readonly title: string;
  readonly url: string;
}

export interface PanelOptions {
  readonly title: string;
  /** What the panel shows and how to read it (shown as the panel's info tooltip). */
  readonly description: string;
  readonly unit: Unit;
  readonly queries: readonly Query[];
  /** Width in grid columns (24 is the full width). */
  readonly span?: number;
  readonly height?: number;
  readonly thresholds?: ThresholdsConfigBuilder;
  readonly mappings?: readonly ValueMapping[];
  readonly min?: number;
  readonly max?: number;
  readonly decimals?: number;
  /**
   * Why the panel may show nothing on a healthy stack ("this server replicates from no source").
   * Rare by design: a panel without it must show data, which the integration tests hold it to.
   */
  readonly emptyWhen?: string;
  readonly links?: readonly PanelLink[];
}

/** The sentence that declares a panel may be empty; `emptyReasonOf` reads it back. */
const EMPTY_WHEN = "Empty when ";

export function describePanel(description: string, emptyWhen?: string): string {
  return emptyWhen === undefined ? description : `${description} ${EMPTY_WHEN}${emptyWhen}.`;
}

/** The declared reason a panel may be empty, from its description. */
export function emptyReasonOf(description: string | undefined): string | undefined {
  if (description === undefined) return undefined;
  const at = description.lastIndexOf(EMPTY_WHEN);
  return at < 0 ? undefined : description.slice(at + EMPTY_WHEN.length).replace(/\.$/, "");
}

const REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

function refIdOf(index: number): string {
  return REF_IDS.charAt(index) || `Q${index}`;
}

function prometheusQuery(query: Query, index: number, kind: "instant" | "range" | "table"): DataqueryBuilder {
  const builder = new prometheus.DataqueryBuilder()
    .datasource(PROMETHEUS)
    .refId(refIdOf(index))
    .expr(query.expr)
    .legendFormat(query.legend ?? "__auto");
  if (kind === "range") return builder.range();
  const instant = builder.instant();
  return kind === "table" ? instant.format(prometheus.PromQueryFormat.Table) : instant;
}

function panelLinks(links: readonly PanelLink[] | undefined): DashboardLinkBuilder[] {
  return (links ?? []).map((l) => new dashboard.DashboardLinkBuilder(l.title).url(l.url));
}

/**
 * What every panel kind shares. The SDK's panel builders have the same methods but no common
 * type, so this takes the one it is given and returns it.
 */
function withSharedOptions<
  B extends StatPanelBuilder | TimeseriesPanelBuilder | TablePanelBuilder | StateTimelinePanelBuilder,
>(
  builder: B,
  options: PanelOptions,
  kind: "instant" | "range" | "table",
  defaultSpan: number,
  defaultHeight: number,
): B {
  builder
    .title(options.title)
    .description(describePanel(options.description, options.emptyWhen))
    .datasource(PROMETHEUS)
    .unit(options.unit)
    .span(options.span ?? defaultSpan)
    .height(options.height ?? defaultHeight)
    .targets(options.queries.map((q, i) => prometheusQuery(q, i, kind)));
  if (options.thresholds) builder.thresholds(options.thresholds);
  if (options.mappings) builder.mappings([...options.mappings]);
  if (options.min !== undefined) builder.min(options.min);
  if (options.max !== undefined) builder.max(options.max);
  if (options.decimals !== undefined) builder.decimals(options.decimals);
  if (options.links) {
    builder.links(panelLinks(options.links));
    builder.dataLinks(panelLinks(options.links));
  }
  return builder;
}

/** A health value: one big number per series, coloured by its thresholds. */
export function statPanel(options: PanelOptions): StatPanelBuilder {
  return withSharedOptions(new stat.PanelBuilder(), options, "instant", 4, 4)
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.Background)
    .textMode(common.BigValueTextMode.ValueAndName)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    .noValue("no data");
}

/** A trend over the dashboard's time range; thresholds are drawn as dashed lines. */
export function timeseriesPanel(
  options: PanelOptions & { readonly stacked?: boolean },
): TimeseriesPanelBuilder {
  const panel = withSharedOptions(new timeseries.PanelBuilder(), options, "range", 12, 8)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom)
        .calcs([]),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder()
        .mode(common.TooltipDisplayMode.Multi)
        .sort(common.SortOrder.Descending),
    )
    .fillOpacity(10)
    .lineWidth(1)
    .showPoints(common.VisibilityMode.Never);
  if (options.thresholds)
    panel.thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
    );
  if (options.stacked) panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  return panel;
}

/**
 * Current values as rows, one per series, with its labels as columns. `valueColumn` names the
 * value's column; without it the value is hidden (a list of what matches, where it is always 1).
 */
export function tablePanel(
  options: PanelOptions & { readonly columns: readonly string[]; readonly valueColumn?: string },
): TablePanelBuilder {
  const panel = withSharedOptions(new table.PanelBuilder(), options, "table", 24, 8);
  // Keep the named label columns (and the value), in that order; hide Time and the rest.
  const values = ["Value #A", "Value"];
  const keep = [...options.columns, ...(options.valueColumn !== undefined ? values : [])];
  const hide = ["Time", "__name__", ...(options.valueColumn === undefined ? values : [])];
  panel.withTransformation({
    id: "organize",
    options: {
      excludeByName: Object.fromEntries(hide.map((c) => [c, true])),
      includeByName: Object.fromEntries(keep.map((c) => [c, true])),
      indexByName: Object.fromEntries(keep.map((c, i) => [c, i])),
      renameByName:
        options.valueColumn !== undefined
          ? { Value: options.valueColumn, "Value #A": options.valueColumn }
          : {},
    },
  });
  return panel;
}

/** A state per series over time (up/down, result of each backup), coloured by its mappings. */
export function stateTimelinePanel(options: PanelOptions): StateTimelinePanelBuilder {
  return withSharedOptions(new statetimeline.PanelBuilder(), options, "range", 24, 8)
    .showValue(common.VisibilityMode.Never)
    .mergeValues(true)
    .fillOpacity(80)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(false)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    );
}

/** Value mappings for a 0/1 value: the word for each and its colour. */
export function booleanMappings(whenOne: string, whenZero: string, zeroColor = "red"): ValueMapping[] {
  return [
    {
      type: dashboard.MappingType.ValueToText,
      options: {
        "0": { text: whenZero, color: zeroColor, index: 0 },
        "1": { text: whenOne, color: "green", index: 1 },
      },
    },
  ];
}

/** Value mappings from exact values to words and colours. */
export function valueMappings(
  entries: readonly { value: number; text: string; color: string }[],
): ValueMapping[] {
  return [
    {
      type: dashboard.MappingType.ValueToText,
      options: Object.fromEntries(
        entries.map((e, index) => [String(e.value), { text: e.text, color: e.color, index }]),
      ),
    },
  ];
}

/**
 * Grafana's alert list (the alerts Grafana evaluates itself): a panel with no query of its own,
 * which the SDK has no builder for.
 */
export function alertListPanel(options: {
  readonly title: string;
  readonly description: string;
}): cog.Builder<Panel> {
  return {
    build: () => ({
      type: "alertlist",
      title: options.title,
      description: options.description,
      gridPos: { h: 8, w: 24, x: 0, y: 0 },
      options: {
        viewMode: "list",
        groupMode: "default",
        maxItems: 50,
        sortOrder: 1,
        dashboardAlerts: false,
        alertName: "",
        alertInstanceLabelFilter: "",
        stateFilter: { firing: true, pending: true, noData: false, normal: false, error: true },
      },
      transparent: false,
      repeatDirection: "h",
    }),
  };
}

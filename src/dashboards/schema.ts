// What Grafana needs of a provisioned dashboard's JSON, as a schema checked offline: the parts of
// Grafana's dashboard schema (v1, schemaVersion 42) that stackmon's dashboards use, strict where
// a mistake would make Grafana reject the file or show an empty or broken panel.
import { z } from "zod";

export const DatasourceRefSchema = z.object({ type: z.string().optional(), uid: z.string().optional() });

export const TargetSchema = z.object({
  refId: z.string().regex(/^[A-Za-z0-9_]+$/),
  expr: z.string().min(1),
  datasource: DatasourceRefSchema.optional(),
  legendFormat: z.string().optional(),
  instant: z.boolean().optional(),
  range: z.boolean().optional(),
  format: z.enum(["time_series", "table", "heatmap"]).optional(),
  hide: z.boolean().optional(),
});

const GridPosSchema = z
  .object({
    x: z.number().int().min(0).max(23),
    y: z.number().int().min(0),
    w: z.number().int().min(1).max(24),
    h: z.number().int().min(1),
  })
  .refine((g) => g.x + g.w <= 24, { message: "reaches beyond the 24 columns of the grid" });

const ThresholdsSchema = z.object({
  mode: z.enum(["absolute", "percentage"]),
  steps: z
    .array(z.object({ value: z.number().nullable(), color: z.string().min(1) }))
    .min(1)
    .refine((steps) => steps[0]?.value === null, { message: "the first step must be the base (value null)" })
    .refine((steps) => steps.every((s, i) => i < 2 || (s.value ?? 0) > (steps[i - 1]?.value ?? 0)), {
      message: "steps must rise",
    }),
});

const MappingResultSchema = z.object({
  text: z.string().optional(),
  color: z.string().optional(),
  index: z.number().int().optional(),
});

const ValueMappingSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("value"), options: z.record(z.string(), MappingResultSchema) }),
  z.object({
    type: z.literal("range"),
    options: z.object({
      from: z.number().nullable(),
      to: z.number().nullable(),
      result: MappingResultSchema,
    }),
  }),
  z.object({
    type: z.literal("regex"),
    options: z.object({ pattern: z.string(), result: MappingResultSchema }),
  }),
  z.object({
    type: z.literal("special"),
    options: z.object({ match: z.string(), result: MappingResultSchema }),
  }),
]);

const LinkSchema = z.object({ title: z.string().min(1), url: z.string().min(1) });

const FieldConfigSchema = z.object({
  defaults: z.object({
    unit: z.string().optional(),
    thresholds: ThresholdsSchema.optional(),
    mappings: z.array(ValueMappingSchema).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    decimals: z.number().int().min(0).optional(),
    noValue: z.string().optional(),
    links: z.array(LinkSchema).optional(),
    custom: z.record(z.string(), z.unknown()).optional(),
  }),
  overrides: z.array(z.unknown()),
});

/** Panel types of Grafana 12 that need no Angular (which Grafana 12 no longer runs). */
export const PANEL_TYPES = [
  "alertlist",
  "annolist",
  "barchart",
  "bargauge",
  "dashlist",
  "gauge",
  "heatmap",
  "histogram",
  "logs",
  "news",
  "piechart",
  "stat",
  "state-timeline",
  "status-history",
  "table",
  "text",
  "timeseries",
  "trend",
  "xychart",
] as const;

export const RowPanelSchema = z.object({
  type: z.literal("row"),
  id: z.number().int().min(1),
  title: z.string().min(1),
  gridPos: GridPosSchema,
  collapsed: z.boolean(),
  panels: z.array(z.unknown()),
});

export const PanelSchema = z.object({
  type: z.enum(PANEL_TYPES),
  id: z.number().int().min(1),
  title: z.string().min(1),
  description: z.string().optional(),
  gridPos: GridPosSchema,
  datasource: DatasourceRefSchema.optional(),
  targets: z.array(TargetSchema).optional(),
  fieldConfig: FieldConfigSchema.optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  links: z.array(LinkSchema).optional(),
  transformations: z
    .array(z.object({ id: z.string().min(1), options: z.record(z.string(), z.unknown()) }))
    .optional(),
});

export const VariableSchema = z.object({
  type: z.enum(["query", "datasource", "custom", "constant", "interval", "textbox", "adhoc"]),
  name: z.string().regex(/^[A-Za-z0-9_]+$/),
  label: z.string().optional(),
  query: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  datasource: DatasourceRefSchema.optional(),
  current: z
    .object({
      text: z.union([z.string(), z.array(z.string())]).optional(),
      value: z.union([z.string(), z.array(z.string())]).optional(),
    })
    .optional(),
  multi: z.boolean().optional(),
  includeAll: z.boolean().optional(),
  allValue: z.string().optional(),
  refresh: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  sort: z.number().int().min(0).max(8).optional(),
});

export const DashboardLinkSchema = z.object({
  title: z.string().min(1),
  type: z.enum(["link", "dashboards"]),
  tags: z.array(z.string()),
  url: z.string().optional(),
  asDropdown: z.boolean(),
  includeVars: z.boolean(),
  keepTime: z.boolean(),
  targetBlank: z.boolean(),
});

export const DashboardSchema = z.object({
  // Grafana's limit on a uid; stable so links and bookmarks survive re-renders.
  uid: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
  title: z.string().min(1),
  description: z.string().optional(),
  tags: z.array(z.string()),
  schemaVersion: z.number().int().min(39),
  editable: z.boolean(),
  timezone: z.string(),
  graphTooltip: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  time: z.object({ from: z.string().min(1), to: z.string().min(1) }),
  refresh: z.string(),
  panels: z.array(z.discriminatedUnion("type", [RowPanelSchema, PanelSchema])),
  templating: z.object({ list: z.array(VariableSchema) }),
  annotations: z.object({ list: z.array(z.record(z.string(), z.unknown())) }),
  links: z.array(DashboardLinkSchema),
});

export type Dashboard = z.infer<typeof DashboardSchema>;
export type DashboardPanel = z.infer<typeof PanelSchema>;
export type DashboardVariable = z.infer<typeof VariableSchema>;
export type Target = z.infer<typeof TargetSchema>;

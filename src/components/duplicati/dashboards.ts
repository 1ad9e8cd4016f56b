// The backups dashboard: each backup's last result and whether it is overdue on top; then the
// results over time, age of the last success against its maximum, run duration, sizes, and the
// destination's quota. The Duplicati server row exists only when the exporter polls one.
import type { DashboardSpec, StackContext } from "../component.js";
import { buildDashboard, type DashboardRow } from "../../dashboards/dashboard.js";
import {
  booleanMappings,
  stateTimelinePanel,
  statPanel,
  timeseriesPanel,
  valueMappings,
} from "../../dashboards/panels.js";
import {
  alertThreshold,
  badWhenAny,
  bands,
  lowIsBad,
  okWhenOne,
  type AlertThresholdRef,
} from "../../dashboards/thresholds.js";
import { instanceVariable, labelVariable } from "../../dashboards/variables.js";

export interface DuplicatiDashboardSettings {
  readonly server?: unknown;
}

const JOB = "duplicati";
const SEL = `job="${JOB}", instance=~"$instance"`;
const BACKUP = `${SEL}, backup=~"$backup"`;
const LEGEND = "{{backup}} ({{machine}})";

export const DUPLICATI_THRESHOLDS = {
  quotaFree: { alert: "DuplicatiQuotaLow", unit: "percent", fallback: 10 },
} as const satisfies Record<string, AlertThresholdRef>;

/** Duplicati's results, in the order of the numbers the result panels show. */
const RESULTS = [
  { result: "Success", color: "green" },
  { result: "Warning", color: "orange" },
  { result: "Error", color: "red" },
  { result: "Fatal", color: "dark-red" },
  { result: "Unknown", color: "blue" },
] as const;

/**
 * The last result as one number per backup (its index in RESULTS), from the state set the
 * exporter publishes (1 for the current result, 0 for the others).
 */
const LAST_RESULT = `max by (instance, backup, machine) (${RESULTS.map(
  (r, i) => `(duplicati_backup_last_result{${BACKUP}, result="${r.result}"} == 1) * ${i}`,
).join(" or ")})`;

const resultMappings = valueMappings(RESULTS.map((r, i) => ({ value: i, text: r.result, color: r.color })));

/** Success green, Warning orange, worse red (Unknown too: nothing known is not good news). */
const resultThresholds = () =>
  bands("green", [
    { value: 1, color: "orange" },
    { value: 2, color: "red" },
  ]);

export function duplicatiDashboards<S extends DuplicatiDashboardSettings>(
  settings: S,
  stack: StackContext,
): readonly DashboardSpec[] {
  const t = (ref: AlertThresholdRef) => alertThreshold(stack.alerts, ref);
  const th = DUPLICATI_THRESHOLDS;

  const health: DashboardRow = {
    title: "Health",
    panels: [
      statPanel({
        title: "Last result",
        description: "The result of each backup's last run, as Duplicati reported it.",
        unit: "none",
        queries: [{ expr: LAST_RESULT, legend: LEGEND }],
        mappings: resultMappings,
        thresholds: resultThresholds(),
        span: 8,
      }),
      statPanel({
        title: "Overdue",
        description:
          "Whether each backup is overdue: past its next scheduled run without a finished one, or older than the max_age in stackmon.yml. This is what the stale-backup alert watches.",
        unit: "none",
        queries: [{ expr: `duplicati_backup_stale{${BACKUP}}`, legend: LEGEND }],
        mappings: valueMappings([
          { value: 0, text: "ON TIME", color: "green" },
          { value: 1, text: "OVERDUE", color: "red" },
        ]),
        thresholds: badWhenAny(),
        span: 8,
      }),
      statPanel({
        title: "Last success",
        description: "How long ago each backup last finished with Success or Warning.",
        unit: "s",
        queries: [
          { expr: `time() - duplicati_backup_last_success_timestamp_seconds{${BACKUP}}`, legend: LEGEND },
        ],
        decimals: 0,
        span: 8,
      }),
    ],
  };

  const runs: DashboardRow = {
    title: "Runs",
    panels: [
      stateTimelinePanel({
        title: "Last result over time",
        description: "Each backup's last result as it changed with every report.",
        unit: "none",
        queries: [{ expr: LAST_RESULT, legend: LEGEND }],
        mappings: resultMappings,
        thresholds: resultThresholds(),
      }),
      timeseriesPanel({
        title: "Age of the last success",
        description: "Time since each backup last succeeded, against the maximum age configured for it.",
        unit: "s",
        queries: [
          {
            expr: `time() - duplicati_backup_last_success_timestamp_seconds{${BACKUP}}`,
            legend: `${LEGEND} age`,
          },
          { expr: `duplicati_backup_max_age_seconds{${BACKUP}}`, legend: `${LEGEND} max age` },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Duration of the last run",
        description: "How long each backup's last run took.",
        unit: "s",
        queries: [{ expr: `duplicati_backup_last_run_duration_seconds{${BACKUP}}`, legend: LEGEND }],
        min: 0,
      }),
      timeseriesPanel({
        title: "Warnings and errors",
        description: "Warnings and errors logged by each backup's last run.",
        unit: "none",
        queries: [
          { expr: `duplicati_backup_last_run_warnings{${BACKUP}}`, legend: `${LEGEND} warnings` },
          { expr: `duplicati_backup_last_run_errors{${BACKUP}}`, legend: `${LEGEND} errors` },
        ],
        min: 0,
      }),
    ],
  };

  const sizes: DashboardRow = {
    title: "Sizes and destination",
    panels: [
      timeseriesPanel({
        title: "Sizes",
        description:
          "The source data the last run examined, what it uploaded, and the backup's size at the destination (all versions).",
        unit: "bytes",
        queries: [
          {
            expr: `duplicati_backup_last_run_size_bytes{${BACKUP}, kind="examined"}`,
            legend: `${LEGEND} source`,
          },
          { expr: `duplicati_backup_last_run_uploaded_bytes{${BACKUP}}`, legend: `${LEGEND} uploaded` },
          { expr: `duplicati_backup_destination_size_bytes{${BACKUP}}`, legend: `${LEGEND} at destination` },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Files changed",
        description: "Files the last run found added, modified or deleted.",
        unit: "none",
        queries: [
          {
            expr: `duplicati_backup_last_run_files{${BACKUP}, kind=~"added|modified|deleted"}`,
            legend: `${LEGEND} {{kind}}`,
          },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Versions kept",
        description: "Backup versions kept at the destination.",
        unit: "none",
        queries: [{ expr: `duplicati_backup_versions{${BACKUP}}`, legend: LEGEND }],
        min: 0,
      }),
      timeseriesPanel({
        title: "Destination quota free",
        description:
          "Free space at the destination as a share of its quota; red where the quota alert fires.",
        unit: "percent",
        queries: [
          {
            expr: `100 * duplicati_backup_quota_free_bytes{${BACKUP}} / (duplicati_backup_quota_total_bytes{${BACKUP}} > 0)`,
            legend: LEGEND,
          },
        ],
        thresholds: lowIsBad({ critical: t(th.quotaFree) }),
        min: 0,
        max: 100,
        emptyWhen: "no destination reports a quota (local folders, SFTP and many other backends do not)",
      }),
    ],
  };

  const server: DashboardRow = {
    title: "Duplicati server",
    panels: [
      statPanel({
        title: "Server",
        description: "Whether the exporter's last poll of the Duplicati server succeeded.",
        unit: "none",
        queries: [{ expr: `duplicati_server_up{${SEL}}`, legend: "{{instance}}" }],
        mappings: booleanMappings("UP", "DOWN"),
        thresholds: okWhenOne(),
        span: 8,
      }),
      statPanel({
        title: "Paused",
        description: "Whether the server is paused: scheduled backups do not run.",
        unit: "none",
        queries: [{ expr: `duplicati_server_paused{${SEL}}`, legend: "{{instance}}" }],
        mappings: valueMappings([
          { value: 0, text: "RUNNING", color: "green" },
          { value: 1, text: "PAUSED", color: "red" },
        ]),
        thresholds: badWhenAny(),
        span: 8,
      }),
      statPanel({
        title: "Error notification",
        description: "Whether the server shows an error notification.",
        unit: "none",
        queries: [{ expr: `duplicati_server_has_error{${SEL}}`, legend: "{{instance}}" }],
        thresholds: badWhenAny(),
        span: 8,
      }),
    ],
  };

  return [
    buildDashboard({
      uid: "stackmon-backups",
      title: "Backups (Duplicati)",
      description:
        "Every Duplicati backup: last result, whether it is overdue, duration, sizes and the destination's quota.",
      tags: ["duplicati"],
      variables: [
        instanceVariable(JOB),
        labelVariable(
          "backup",
          "Backup",
          `{__name__=~"duplicati_backup_stale|duplicati_backup_last_result", ${SEL}}`,
        ),
      ],
      rows: [health, runs, sizes, ...(settings.server !== undefined ? [server] : [])],
      // Healthy: no backup overdue and none whose last run failed.
      health: `(1 - max(duplicati_backup_stale{job="${JOB}"})) * (1 - (max(duplicati_backup_last_result{job="${JOB}", result=~"Error|Fatal"}) or vector(0))) or min(up{job="${JOB}"})`,
    }),
  ];
}

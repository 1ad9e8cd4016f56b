// The exporter's metrics, computed from the state at scrape time: series of forgotten backups
// vanish, and no timestamp or size is ever a label value.
import { Counter, Gauge, Registry } from "prom-client";
import type { BACKEND_VALUES } from "./report.js";
import { BYTE_SIZES, FILE_COUNTS, RESULTS } from "./report.js";
import { isStale } from "./staleness.js";
import type { ServerStatus } from "./serverPoller.js";
import type { BackupState, ExporterState } from "./state.js";

export interface MetricsSource {
  state(): ExporterState;
  /** Maximum age per backup name, from stackmon.yml. */
  maxAgeSeconds(name: string): number | undefined;
  now(): number;
  /** The polled Duplicati server, when polling is configured. */
  serverStatus?(): ServerStatus | undefined;
}

const LABELS = ["backup", "machine", "backup_id"] as const;
type LabelSet = Record<(typeof LABELS)[number], string>;

function labelsOf(state: BackupState): LabelSet {
  return { backup: state.backup.name, machine: state.backup.machine, backup_id: state.backup.backupId };
}

/** A gauge rebuilt from the state on every scrape. */
function stateGauge(
  registry: Registry,
  source: MetricsSource,
  name: string,
  help: string,
  value: (state: BackupState) => number | undefined,
): void {
  new Gauge({
    name,
    help,
    labelNames: LABELS,
    registers: [registry],
    collect() {
      this.reset();
      for (const state of Object.values(source.state().backups)) {
        const v = value(state);
        if (v !== undefined) this.set(labelsOf(state), v);
      }
    },
  });
}

export interface SelfMetrics {
  readonly reports: Counter<"outcome">;
  readonly reportProblems: Counter;
  readonly stateWriteErrors: Counter;
}

export function createDuplicatiMetrics(source: MetricsSource): { registry: Registry; self: SelfMetrics } {
  const registry = new Registry();
  const g = (name: string, help: string, value: (s: BackupState) => number | undefined) =>
    stateGauge(registry, source, name, help, value);

  new Gauge({
    name: "duplicati_backup_last_result",
    help: "Result of the last backup run as a state set: 1 for the current result, 0 for the others.",
    labelNames: [...LABELS, "result"],
    registers: [registry],
    collect() {
      this.reset();
      for (const state of Object.values(source.state().backups)) {
        if (!state.last) continue;
        for (const result of RESULTS)
          this.set({ ...labelsOf(state), result }, state.last.result === result ? 1 : 0);
      }
    },
  });
  new Counter({
    name: "duplicati_backup_runs_total",
    help: "Backup runs reported, by result (kept across restarts).",
    labelNames: [...LABELS, "result"],
    registers: [registry],
    collect() {
      this.reset();
      for (const state of Object.values(source.state().backups)) {
        for (const result of RESULTS) this.inc({ ...labelsOf(state), result }, state.runs[result]);
      }
    },
  });
  g(
    "duplicati_backup_last_run_start_timestamp_seconds",
    "When the last run began (Unix time).",
    (s) => s.last?.beginTime,
  );
  g(
    "duplicati_backup_last_run_end_timestamp_seconds",
    "When the last run ended (Unix time).",
    (s) => s.last?.endTime,
  );
  g(
    "duplicati_backup_last_run_duration_seconds",
    "How long the last run took.",
    (s) => s.last?.durationSeconds,
  );
  g(
    "duplicati_backup_last_success_timestamp_seconds",
    "When the last successful run (Success or Warning) ended.",
    (s) => s.lastSuccessTime,
  );
  g("duplicati_backup_last_run_warnings", "Warnings in the last run.", (s) => s.last?.warnings);
  g("duplicati_backup_last_run_errors", "Errors in the last run.", (s) => s.last?.errors);
  g(
    "duplicati_backup_next_scheduled_run_timestamp_seconds",
    "Next scheduled run, as Duplicati reported it.",
    (s) => s.nextScheduledRun,
  );
  g(
    "duplicati_backup_stale",
    "1 when the backup is overdue: past its next scheduled run, or older than its maximum age.",
    (s) => {
      const stale = isStale(s, source.now(), source.maxAgeSeconds(s.backup.name));
      return stale === undefined ? undefined : stale ? 1 : 0;
    },
  );
  g("duplicati_backup_max_age_seconds", "The maximum age configured for this backup.", (s) =>
    source.maxAgeSeconds(s.backup.name),
  );

  const kindGauge = (
    name: string,
    help: string,
    kinds: Record<string, string>,
    pick: (s: BackupState) => Record<string, number> | undefined,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: [...LABELS, "kind"],
      registers: [registry],
      collect() {
        this.reset();
        for (const state of Object.values(source.state().backups)) {
          const values = pick(state);
          for (const kind of Object.keys(kinds)) {
            const v = values?.[kind];
            if (v !== undefined) this.set({ ...labelsOf(state), kind }, v);
          }
        }
      },
    });
  kindGauge(
    "duplicati_backup_last_run_files",
    "Files in the last run, by kind (examined, added, modified, deleted, ...).",
    FILE_COUNTS,
    (s) => s.last?.files,
  );
  kindGauge(
    "duplicati_backup_last_run_size_bytes",
    "Bytes of files in the last run, by kind (examined, added, modified, ...).",
    BYTE_SIZES,
    (s) => s.last?.bytes,
  );

  const backend = (field: keyof typeof BACKEND_VALUES) => (s: BackupState) => s.last?.backend[field];
  g(
    "duplicati_backup_last_run_uploaded_bytes",
    "Bytes uploaded to the destination by the last run.",
    backend("uploadedBytes"),
  );
  g(
    "duplicati_backup_destination_size_bytes",
    "Size of the backup at the destination (known file size).",
    backend("knownFileSize"),
  );
  g(
    "duplicati_backup_destination_files",
    "Files at the destination (known file count).",
    backend("knownFileCount"),
  );
  g("duplicati_backup_versions", "Backup versions kept at the destination.", backend("backupVersions"));
  g(
    "duplicati_backup_quota_total_bytes",
    "Total quota of the destination, when it reports one.",
    backend("quotaTotal"),
  );
  g(
    "duplicati_backup_quota_free_bytes",
    "Free quota of the destination, when it reports one.",
    backend("quotaFree"),
  );

  const server = (name: string, help: string, value: (s: ServerStatus) => boolean | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        const status = source.serverStatus?.();
        const v = status && value(status);
        if (v !== undefined) this.set(v ? 1 : 0);
      },
    });
  server(
    "duplicati_server_up",
    "1 when the last poll of the Duplicati server succeeded (polling configured).",
    (s) => s.up,
  );
  server(
    "duplicati_server_paused",
    "1 when the Duplicati server is paused: no scheduled backup runs.",
    (s) => s.paused,
  );
  server(
    "duplicati_server_has_error",
    "1 when the Duplicati server shows an error notification.",
    (s) => s.hasError,
  );

  const self: SelfMetrics = {
    reports: new Counter({
      name: "duplicati_exporter_reports_total",
      help: "Reports received, by outcome: accepted, partial (accepted with parts not understood), ignored (not a backup), rejected, unauthorized.",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    reportProblems: new Counter({
      name: "duplicati_exporter_report_warnings_total",
      help: "Fields of accepted reports that could not be understood.",
      registers: [registry],
    }),
    stateWriteErrors: new Counter({
      name: "duplicati_exporter_state_write_errors_total",
      help: "Failures to persist the state (the report was still applied in memory).",
      registers: [registry],
    }),
  };
  for (const outcome of ["accepted", "partial", "ignored", "rejected", "unauthorized"])
    self.reports.inc({ outcome }, 0);
  return { registry, self };
}

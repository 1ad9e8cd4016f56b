// What the exporter remembers per backup, and how a report changes it. Pure.
import { z } from "zod";
import { RESULTS, type BackupReport, type BackupResult } from "./report.js";

const numberRecord = z.record(z.string(), z.number());

const lastRunSchema = z.object({
  result: z.enum(RESULTS),
  beginTime: z.number().optional(),
  endTime: z.number().optional(),
  durationSeconds: z.number().optional(),
  files: numberRecord,
  bytes: numberRecord,
  backend: numberRecord,
  warnings: z.number().optional(),
  errors: z.number().optional(),
  receivedAt: z.number(),
});

const backupStateSchema = z.object({
  backup: z.object({ key: z.string(), name: z.string(), machine: z.string(), backupId: z.string() }),
  last: lastRunSchema.optional(),
  lastSuccessTime: z.number().optional(),
  nextScheduledRun: z.number().optional(),
  runs: z.object(
    Object.fromEntries(RESULTS.map((r) => [r, z.number().int().nonnegative()])) as Record<
      BackupResult,
      z.ZodNumber
    >,
  ),
});

export const exporterStateSchema = z.object({
  version: z.literal(1),
  backups: z.record(z.string(), backupStateSchema),
});

export type BackupState = z.infer<typeof backupStateSchema>;
export type ExporterState = z.infer<typeof exporterStateSchema>;

export const EMPTY_STATE: ExporterState = { version: 1, backups: {} };

const NO_RUNS = Object.fromEntries(RESULTS.map((r) => [r, 0])) as Record<BackupResult, number>;

/** Runs that produced a usable backup: Duplicati's Warning still completed the backup. */
export function isSuccessful(result: BackupResult): boolean {
  return result === "Success" || result === "Warning";
}

/** The state after one report; reports of other operations (restore, verify…) change nothing. */
export function applyReport(state: ExporterState, report: BackupReport, receivedAt: number): ExporterState {
  if (report.operation.toLowerCase() !== "backup") return state;
  const previous = state.backups[report.backup.key];
  const endTime = report.endTime ?? receivedAt;
  const next: BackupState = {
    backup: report.backup,
    last: {
      result: report.result,
      ...(report.beginTime !== undefined ? { beginTime: report.beginTime } : {}),
      endTime,
      ...(report.durationSeconds !== undefined ? { durationSeconds: report.durationSeconds } : {}),
      files: report.files,
      bytes: report.bytes,
      backend: report.backend,
      ...(report.warnings !== undefined ? { warnings: report.warnings } : {}),
      ...(report.errors !== undefined ? { errors: report.errors } : {}),
      receivedAt,
    },
    ...(isSuccessful(report.result)
      ? { lastSuccessTime: endTime }
      : previous?.lastSuccessTime !== undefined
        ? { lastSuccessTime: previous.lastSuccessTime }
        : {}),
    ...(report.nextScheduledRun !== undefined
      ? { nextScheduledRun: report.nextScheduledRun }
      : previous?.nextScheduledRun !== undefined
        ? { nextScheduledRun: previous.nextScheduledRun }
        : {}),
    runs: { ...(previous?.runs ?? NO_RUNS), [report.result]: (previous?.runs[report.result] ?? 0) + 1 },
  };
  return { version: 1, backups: { ...state.backups, [report.backup.key]: next } };
}

/** A backup known only from configuration or the server, not yet reported. */
export function withKnownBackup(
  state: ExporterState,
  backup: BackupState["backup"],
  nextScheduledRun?: number,
): ExporterState {
  const existing = state.backups[backup.key];
  const entry: BackupState = existing
    ? { ...existing, ...(nextScheduledRun !== undefined ? { nextScheduledRun } : {}) }
    : { backup, runs: NO_RUNS, ...(nextScheduledRun !== undefined ? { nextScheduledRun } : {}) };
  return { version: 1, backups: { ...state.backups, [backup.key]: entry } };
}

/**
 * What the Duplicati server says of a backup: its schedule always (the server knows best), its
 * last success only until the backup reports itself.
 */
export function withServerBackup(
  state: ExporterState,
  backup: {
    readonly id: string;
    readonly name: string;
    readonly nextScheduledRun?: number;
    readonly lastSuccessTime?: number;
  },
): ExporterState {
  const existing = Object.values(state.backups).find((b) => b.backup.name === backup.name);
  const key = existing?.backup.key ?? `name:${backup.name}`;
  const base: BackupState = existing ?? {
    backup: { key, name: backup.name, machine: "", backupId: backup.id },
    runs: NO_RUNS,
  };
  const entry: BackupState = {
    ...base,
    ...(backup.nextScheduledRun !== undefined ? { nextScheduledRun: backup.nextScheduledRun } : {}),
    ...(base.last === undefined && backup.lastSuccessTime !== undefined
      ? { lastSuccessTime: backup.lastSuccessTime }
      : {}),
  };
  return { version: 1, backups: { ...state.backups, [key]: entry } };
}

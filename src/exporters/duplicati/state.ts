// What the exporter remembers per backup, and how a report changes it. Pure, and per backup: no
// step here looks at the other backups.
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

export const backupStateSchema = z.object({
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

/** The whole state in one file: how versions before per-backup files kept it (read once, to migrate). */
export const legacyStateSchema = z.object({
  version: z.literal(1),
  backups: z.record(z.string(), backupStateSchema),
});

export type BackupState = z.infer<typeof backupStateSchema>;
export type BackupIdentityState = BackupState["backup"];

const NO_RUNS = Object.fromEntries(RESULTS.map((r) => [r, 0])) as Record<BackupResult, number>;

/** Runs that produced a usable backup: Duplicati's Warning still completed the backup. */
export function isSuccessful(result: BackupResult): boolean {
  return result === "Success" || result === "Warning";
}

/**
 * A backup's state after one report, from its state before (undefined when new): the cost is
 * that of one backup, however many others there are. Reports of other operations (restore,
 * verify…) change nothing and give undefined.
 */
export function backupAfterReport(
  previous: BackupState | undefined,
  report: BackupReport,
  receivedAt: number,
): BackupState | undefined {
  if (report.operation.toLowerCase() !== "backup") return undefined;
  const endTime = report.endTime ?? receivedAt;
  return {
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
}

/** A backup known only from configuration or the server, not yet reported. */
export function knownBackup(backup: BackupIdentityState, nextScheduledRun?: number): BackupState {
  return { backup, runs: NO_RUNS, ...(nextScheduledRun !== undefined ? { nextScheduledRun } : {}) };
}

/**
 * What the Duplicati server says of a backup: its schedule always (the server knows best), its
 * last success only until the backup reports itself.
 */
export function backupAfterServerPoll(
  existing: BackupState | undefined,
  backup: {
    readonly id: string;
    readonly name: string;
    readonly nextScheduledRun?: number;
    readonly lastSuccessTime?: number;
  },
): BackupState {
  const base =
    existing ??
    knownBackup({ key: `name:${backup.name}`, name: backup.name, machine: "", backupId: backup.id });
  return {
    ...base,
    ...(backup.nextScheduledRun !== undefined ? { nextScheduledRun: backup.nextScheduledRun } : {}),
    ...(base.last === undefined && backup.lastSuccessTime !== undefined
      ? { lastSuccessTime: backup.lastSuccessTime }
      : {}),
  };
}

// The per-backup metric families, as data, written in the text exposition format by hand: each
// backup's lines are formatted once per change of its state (kept beside the immutable state
// object) and a scrape joins them. prom-client rebuilt every sample on every scrape, which took
// over a second at 1,000 backups with long names and blocked the event loop that long.
import { BYTE_SIZES, FILE_COUNTS, RESULTS, type BACKEND_VALUES } from "./report.js";
import { isStale } from "./staleness.js";
import type { BackupState } from "./state.js";

/** What a family's samples may depend on besides the backup's state. */
export interface SampleContext {
  readonly now: number;
  /** Maximum age from stackmon.yml, by backup name. */
  readonly maxAgeSeconds: number | undefined;
}

type Sample = readonly [extraLabel: string | undefined, value: number];

interface BackupFamily {
  readonly name: string;
  readonly help: string;
  readonly type: "gauge" | "counter";
  /** The name of the one label the samples add to backup, machine and backup_id. */
  readonly extraLabel?: string;
  /** Depends on the time or the configuration: formatted at every scrape, never kept. */
  readonly live?: boolean;
  samples(state: BackupState, context: SampleContext): readonly Sample[];
}

const one = (value: number | undefined): readonly Sample[] =>
  value === undefined ? [] : [[undefined, value]];

function gauge(name: string, help: string, value: (s: BackupState) => number | undefined): BackupFamily {
  return { name, help, type: "gauge", samples: (s) => one(value(s)) };
}

function byKind(
  name: string,
  help: string,
  kinds: Record<string, string>,
  pick: (s: BackupState) => Record<string, number> | undefined,
): BackupFamily {
  return {
    name,
    help,
    type: "gauge",
    extraLabel: "kind",
    samples: (s) => {
      const values = pick(s);
      return Object.keys(kinds).flatMap((kind): Sample[] => {
        const v = values?.[kind];
        return v === undefined ? [] : [[kind, v]];
      });
    },
  };
}

const backend = (field: keyof typeof BACKEND_VALUES) => (s: BackupState) => s.last?.backend[field];

export const BACKUP_FAMILIES: readonly BackupFamily[] = [
  {
    name: "duplicati_backup_last_result",
    help: "Result of the last backup run as a state set: 1 for the current result, 0 for the others.",
    type: "gauge",
    extraLabel: "result",
    samples: (s) => (s.last ? RESULTS.map((r): Sample => [r, s.last?.result === r ? 1 : 0]) : []),
  },
  {
    name: "duplicati_backup_runs_total",
    help: "Backup runs reported, by result (kept across restarts).",
    type: "counter",
    extraLabel: "result",
    samples: (s) => RESULTS.map((r): Sample => [r, s.runs[r]]),
  },
  gauge(
    "duplicati_backup_last_run_start_timestamp_seconds",
    "When the last run began (Unix time).",
    (s) => s.last?.beginTime,
  ),
  gauge(
    "duplicati_backup_last_run_end_timestamp_seconds",
    "When the last run ended (Unix time).",
    (s) => s.last?.endTime,
  ),
  gauge(
    "duplicati_backup_last_run_duration_seconds",
    "How long the last run took.",
    (s) => s.last?.durationSeconds,
  ),
  gauge(
    "duplicati_backup_last_success_timestamp_seconds",
    "When the last successful run (Success or Warning) ended.",
    (s) => s.lastSuccessTime,
  ),
  gauge("duplicati_backup_last_run_warnings", "Warnings in the last run.", (s) => s.last?.warnings),
  gauge("duplicati_backup_last_run_errors", "Errors in the last run.", (s) => s.last?.errors),
  gauge(
    "duplicati_backup_next_scheduled_run_timestamp_seconds",
    "Next scheduled run, as Duplicati reported it.",
    (s) => s.nextScheduledRun,
  ),
  {
    name: "duplicati_backup_stale",
    help: "1 when the backup is overdue: past its next scheduled run, or older than its maximum age.",
    type: "gauge",
    live: true,
    samples: (s, context) => {
      const stale = isStale(s, context.now, context.maxAgeSeconds);
      return one(stale === undefined ? undefined : stale ? 1 : 0);
    },
  },
  {
    name: "duplicati_backup_max_age_seconds",
    help: "The maximum age configured for this backup.",
    type: "gauge",
    live: true,
    samples: (_, context) => one(context.maxAgeSeconds),
  },
  byKind(
    "duplicati_backup_last_run_files",
    "Files in the last run, by kind (examined, added, modified, deleted, ...).",
    FILE_COUNTS,
    (s) => s.last?.files,
  ),
  byKind(
    "duplicati_backup_last_run_size_bytes",
    "Bytes of files in the last run, by kind (examined, added, modified, ...).",
    BYTE_SIZES,
    (s) => s.last?.bytes,
  ),
  gauge(
    "duplicati_backup_last_run_uploaded_bytes",
    "Bytes uploaded to the destination by the last run.",
    backend("uploadedBytes"),
  ),
  gauge(
    "duplicati_backup_destination_size_bytes",
    "Size of the backup at the destination (known file size).",
    backend("knownFileSize"),
  ),
  gauge(
    "duplicati_backup_destination_files",
    "Files at the destination (known file count).",
    backend("knownFileCount"),
  ),
  gauge("duplicati_backup_versions", "Backup versions kept at the destination.", backend("backupVersions")),
  gauge(
    "duplicati_backup_quota_total_bytes",
    "Total quota of the destination, when it reports one.",
    backend("quotaTotal"),
  ),
  gauge(
    "duplicati_backup_quota_free_bytes",
    "Free quota of the destination, when it reports one.",
    backend("quotaFree"),
  ),
];

/** A label value as the text format escapes it (backslash, double quote, newline). */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

/** A sample value as Prometheus reads it (prom-client's spelling of the specials). */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value < 0 ? "-Inf" : "+Inf";
  return String(value);
}

function linesOf(family: BackupFamily, state: BackupState, labels: string, context: SampleContext): string {
  let text = "";
  for (const [extra, value] of family.samples(state, context)) {
    const all =
      extra === undefined ? labels : `${labels},${family.extraLabel ?? ""}="${escapeLabelValue(extra)}"`;
    text += `${family.name}{${all}} ${formatValue(value)}\n`;
  }
  return text;
}

/** Every backup family as text, the unchanged backups' lines reused from their last scrape. */
export class BackupExposition {
  /** Per state object (replaced, never changed, when a backup changes): its lines per family. */
  private readonly formatted = new WeakMap<BackupState, { labels: string; lines: (string | undefined)[] }>();

  render(backups: readonly BackupState[], context: (s: BackupState) => SampleContext): string {
    const parts: string[] = [];
    const entries = backups.map((state) => ({ state, cached: this.entry(state) }));
    BACKUP_FAMILIES.forEach((family, index) => {
      parts.push(
        `${index === 0 ? "" : "\n"}# HELP ${family.name} ${family.help}\n# TYPE ${family.name} ${family.type}\n`,
      );
      for (const { state, cached } of entries) {
        if (family.live) {
          parts.push(linesOf(family, state, cached.labels, context(state)));
          continue;
        }
        cached.lines[index] ??= linesOf(family, state, cached.labels, context(state));
        parts.push(cached.lines[index]);
      }
    });
    return parts.join("");
  }

  private entry(state: BackupState): { labels: string; lines: (string | undefined)[] } {
    let cached = this.formatted.get(state);
    if (!cached) {
      const b = state.backup;
      cached = {
        labels: `backup="${escapeLabelValue(b.name)}",machine="${escapeLabelValue(b.machine)}",backup_id="${escapeLabelValue(b.backupId)}"`,
        lines: [],
      };
      this.formatted.set(state, cached);
    }
    return cached;
  }
}

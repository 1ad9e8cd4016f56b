// The backups the exporter tracks, in memory: at most `maxBackups` of them, with label values of
// bounded length and without control characters. A report costs the same however many backups
// there are: one entry is read and one replaced, found through indexes, never by a scan.
import { createHash } from "node:crypto";
import type { BackupIdentity, BackupReport } from "./report.js";
import {
  backupAfterReport,
  backupAfterServerPoll,
  knownBackup,
  type BackupIdentityState,
  type BackupState,
} from "./state.js";

export interface TableLimits {
  /** Backups tracked at most; reports of further ones are dropped. */
  readonly maxBackups: number;
  /** Longest label value (backup, machine, backup_id), in characters. */
  readonly maxLabelLength: number;
}

export const DEFAULT_LIMITS: TableLimits = { maxBackups: 1000, maxLabelLength: 64 };
/** A cut label keeps `~` and 8 hex digits of its hash; shorter limits would leave nothing else. */
export const MIN_LABEL_LENGTH = 16;

/** A key longer than this is replaced by its hash: it is kept in memory and names a file. */
const MAX_KEY_LENGTH = 512;

export type TableChange =
  | { readonly outcome: "accepted"; readonly state: BackupState; readonly removedKey?: string }
  | { readonly outcome: "ignored" }
  | { readonly outcome: "over-limit" };

const hash = (text: string) => createHash("sha256").update(text).digest("hex");
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const keyOf = (key: string) => (key.length > MAX_KEY_LENGTH ? `hash:${hash(key)}` : key);

/**
 * A label value fit for the exposition and for people: control characters replaced, cut to
 * `max` characters with a hash of the whole value at the end, so distinct long values stay
 * distinct and the same value always comes out the same.
 */
export function boundedLabel(value: string, max: number): string {
  const clean = value.replace(/\p{Cc}/gu, "\uFFFD");
  const chars = Array.from(clean);
  if (chars.length <= max) return clean;
  const suffix = `~${hash(value).slice(0, 8)}`;
  return chars.slice(0, Math.max(0, max - suffix.length)).join("") + suffix;
}

export class BackupTable {
  private readonly byKey = new Map<string, BackupState>();
  private readonly keysByName = new Map<string, Set<string>>();
  /** The entries in label order, for the exposition; dropped on change, sorted again when asked. */
  private ordered: BackupState[] | undefined;

  /** @param onRewrittenLabel called once per label value that had to be cut or cleaned */
  constructor(
    readonly limits: TableLimits,
    private readonly onRewrittenLabel: () => void = () => undefined,
  ) {}

  get size(): number {
    return this.byKey.size;
  }

  /** Sorted by backup, machine, backup_id (then key): the same order before and after a restart. */
  values(): readonly BackupState[] {
    this.ordered ??= [...this.byKey.values()].sort(
      (a, b) =>
        compare(a.backup.name, b.backup.name) ||
        compare(a.backup.machine, b.backup.machine) ||
        compare(a.backup.backupId, b.backup.backupId) ||
        compare(a.backup.key, b.backup.key),
    );
    return this.ordered;
  }

  get(key: string): BackupState | undefined {
    return this.byKey.get(key);
  }

  /** An entry read back from disk; false (not taken) once the table is full. */
  restore(state: BackupState): boolean {
    if (!this.byKey.has(state.backup.key) && this.byKey.size >= this.limits.maxBackups) return false;
    this.put(state);
    return true;
  }

  /** A backup named in the configuration, watched before its first report. */
  watch(name: string): BackupState | undefined {
    const identity = this.identity({ key: `name:${name}`, name, machine: "", backupId: "" });
    if (this.keysByName.has(identity.name)) return undefined;
    const state = knownBackup(identity);
    return this.restore(state) ? state : undefined;
  }

  applyReport(report: BackupReport, receivedAt: number): TableChange {
    const identity = this.identity(report.backup);
    const previous = this.byKey.get(identity.key);
    // A configured backup seen by name only is replaced by the same backup reporting with ids.
    const placeholderKey = report.backup.key.startsWith("name:")
      ? undefined
      : this.placeholderOf(report.backup.name);
    if (!previous && !placeholderKey && this.byKey.size >= this.limits.maxBackups)
      return report.operation.toLowerCase() === "backup" ? { outcome: "over-limit" } : { outcome: "ignored" };
    const next = backupAfterReport(previous, { ...report, backup: identity }, receivedAt);
    if (!next) return { outcome: "ignored" };
    if (placeholderKey) this.remove(placeholderKey);
    this.put(next);
    return { outcome: "accepted", state: next, ...(placeholderKey ? { removedKey: placeholderKey } : {}) };
  }

  /** The server's view of a backup, merged into the one of that name (undefined when full). */
  applyServerBackup(backup: Parameters<typeof backupAfterServerPoll>[1]): BackupState | undefined {
    const name = this.label(backup.name);
    const existing = this.firstNamed(name);
    if (!existing && this.byKey.size >= this.limits.maxBackups) return undefined;
    const next = backupAfterServerPoll(existing, { ...backup, name, id: this.label(backup.id) });
    this.put(next);
    return next;
  }

  private placeholderOf(name: string): string | undefined {
    const key = keyOf(`name:${name}`);
    const entry = this.byKey.get(key);
    return entry && !entry.last ? key : undefined;
  }

  private firstNamed(name: string): BackupState | undefined {
    const first = this.keysByName.get(name)?.values().next();
    return first && !first.done ? this.byKey.get(first.value) : undefined;
  }

  private put(state: BackupState): void {
    this.ordered = undefined;
    this.byKey.set(state.backup.key, state);
    const keys = this.keysByName.get(state.backup.name) ?? new Set<string>();
    keys.add(state.backup.key);
    this.keysByName.set(state.backup.name, keys);
  }

  private remove(key: string): void {
    const entry = this.byKey.get(key);
    if (!entry) return;
    this.ordered = undefined;
    this.byKey.delete(key);
    const keys = this.keysByName.get(entry.backup.name);
    keys?.delete(key);
    if (keys?.size === 0) this.keysByName.delete(entry.backup.name);
  }

  private label(value: string): string {
    const bounded = boundedLabel(value, this.limits.maxLabelLength);
    if (bounded !== value) this.onRewrittenLabel();
    return bounded;
  }

  /** The key stays the backup's own (hashed when long); only the label values are bounded. */
  private identity(backup: BackupIdentity): BackupIdentityState {
    return {
      key: keyOf(backup.key),
      name: this.label(backup.name),
      machine: this.label(backup.machine),
      backupId: this.label(backup.backupId),
    };
  }
}

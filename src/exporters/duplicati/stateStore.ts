// Keeps each backup's state on disk, one small file per backup, so that a restart knows every
// backup's last result and a report costs one file's write however many backups there are.
// Writes run off the event loop (fs.promises) and are atomic (temporary file, fsync, rename);
// the file they replace becomes the previous copy, so a corrupt file never loses what was known.
// Reports arriving together share one flush (group commit): each is answered once it is on disk.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, type Dirent } from "node:fs";
import { open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/atomicWrite.js";
import type { Logger } from "../../lib/log.js";
import { backupStateSchema, legacyStateSchema, type BackupState } from "./state.js";

const TEMP_SUFFIX = ".tmp";
const PREVIOUS_SUFFIX = ".previous";

export class StateStore {
  readonly dir: string;
  /** Where versions before per-backup files kept everything; migrated on load. */
  readonly legacyFile: string;
  private dirty = new Map<string, BackupState | "removed">();
  /** The flush under way, and the one that will take the changes made meanwhile. */
  private running: Promise<void> | undefined;
  private pending: Promise<void> | undefined;

  constructor(
    stateDir: string,
    private readonly logger: Logger,
  ) {
    this.dir = join(stateDir, "backups");
    this.legacyFile = join(stateDir, "state.json");
  }

  fileOf(key: string): string {
    return join(this.dir, `${createHash("sha256").update(key).digest("hex").slice(0, 40)}.json`);
  }

  /**
   * Every readable backup, at start: temporary files a crash left behind are removed first, a
   * legacy state.json is moved into per-backup files, and an unreadable file gives way to its
   * previous copy (logged). Never throws on content.
   */
  load(): BackupState[] {
    mkdirSync(this.dir, { recursive: true, mode: 0o750 });
    this.removeOrphans();
    this.migrateLegacy();
    const names = new Set(readdirSync(this.dir));
    const states: BackupState[] = [];
    for (const name of names) {
      const base = name.endsWith(PREVIOUS_SUFFIX) ? name.slice(0, -PREVIOUS_SUFFIX.length) : name;
      if (!base.endsWith(".json") || (base !== name && names.has(base))) continue;
      const state = this.readEither(join(this.dir, base));
      if (state) states.push(state);
    }
    return states;
  }

  /** Resolves once `state` (or a newer one of the same backup) is on disk; rejects when writing failed. */
  save(state: BackupState): Promise<void> {
    this.dirty.set(state.backup.key, state);
    return this.schedule();
  }

  remove(key: string): Promise<void> {
    this.dirty.set(key, "removed");
    return this.schedule();
  }

  /** One flush at a time; changes made meanwhile wait for the next one, which they share. */
  private schedule(): Promise<void> {
    this.pending ??= (this.running ?? Promise.resolve()).then(ignore, ignore).then(() => {
      this.pending = undefined;
      const run = this.flush();
      this.running = run;
      void run.then(ignore, ignore).then(() => {
        if (this.running === run) this.running = undefined;
      });
      return run;
    });
    return this.pending;
  }

  /** Writes the batch's files side by side (the thread pool runs their fsyncs in parallel). */
  private async flush(): Promise<void> {
    const batch = this.dirty;
    this.dirty = new Map();
    await Promise.all(
      [...batch].map(async ([key, change]) => {
        const file = this.fileOf(key);
        if (change !== "removed") return this.writeAtomically(file, `${JSON.stringify(change)}\n`);
        await rm(file, { force: true });
        await rm(`${file}${PREVIOUS_SUFFIX}`, { force: true });
      }),
    );
    await syncDirectory(this.dir);
  }

  private async writeAtomically(file: string, text: string): Promise<void> {
    const temp = `${file}.${process.pid}${TEMP_SUFFIX}`;
    const handle = await open(temp, "w", 0o640);
    try {
      await handle.writeFile(text);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    // Two renames, each atomic: a crash between them leaves the previous copy, which load reads.
    if (await isReadable(file)) await rename(file, `${file}${PREVIOUS_SUFFIX}`);
    await rename(temp, file);
  }

  private readEither(file: string): BackupState | undefined {
    for (const path of [file, `${file}${PREVIOUS_SUFFIX}`]) {
      if (!existsSync(path)) continue;
      try {
        return backupStateSchema.parse(JSON.parse(readFileSync(path, "utf8")));
      } catch (error) {
        this.logger.warn("state file unreadable, trying the previous copy", {
          file: path,
          err: (error as Error).message.slice(0, 200),
        });
      }
    }
    return undefined;
  }

  /** Temporary files of writes a crash interrupted: never renamed into place, so never needed. */
  private removeOrphans(): void {
    const parent = join(this.dir, "..");
    const orphans = (dir: string) =>
      readdirSync(dir, { withFileTypes: true })
        .filter((e: Dirent) => e.isFile() && e.name.endsWith(TEMP_SUFFIX))
        .map((e) => join(dir, e.name));
    const found = [...orphans(parent), ...orphans(this.dir)];
    for (const file of found) rmSync(file, { force: true });
    if (found.length > 0)
      this.logger.info("removed temporary files left by an interrupted write", { count: found.length });
  }

  /** state.json (and its previous copy) from before per-backup files become one file each. */
  private migrateLegacy(): void {
    const legacyPrevious = `${this.legacyFile}${PREVIOUS_SUFFIX}`;
    if (!existsSync(this.legacyFile) && !existsSync(legacyPrevious)) return;
    let backups: BackupState[] = [];
    for (const path of [this.legacyFile, legacyPrevious]) {
      if (!existsSync(path)) continue;
      try {
        backups = Object.values(legacyStateSchema.parse(JSON.parse(readFileSync(path, "utf8"))).backups);
        break;
      } catch (error) {
        this.logger.warn("state file unreadable, trying the previous copy", {
          file: path,
          err: (error as Error).message.slice(0, 200),
        });
      }
    }
    for (const state of backups)
      writeFileAtomic(this.fileOf(state.backup.key), `${JSON.stringify(state)}\n`, 0o640);
    rmSync(this.legacyFile, { force: true });
    rmSync(legacyPrevious, { force: true });
    this.logger.info("state moved to one file per backup", { backups: backups.length });
  }
}

const ignore = () => undefined;

/** Whether a backup's file is there and good: only a good one becomes the previous copy. */
async function isReadable(file: string): Promise<boolean> {
  try {
    backupStateSchema.parse(JSON.parse(await readFile(file, "utf8")));
    return true;
  } catch {
    return false;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

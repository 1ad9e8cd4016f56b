// Keeps the exporter state on disk so that a restart knows every backup's last result. Writes are
// atomic (temp file, fsync, rename) and the previous good copy is kept by renaming, so a crash
// mid-write or a corrupt file never loses what was known. Concurrent reports share one write
// (group commit): each is answered once its state is on disk.
import { existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/atomicWrite.js";
import type { Logger } from "../../lib/log.js";
import { EMPTY_STATE, exporterStateSchema, type ExporterState } from "./state.js";

export class StateStore {
  readonly file: string;
  readonly previousFile: string;
  private pending: Promise<void> | undefined;
  private latest: ExporterState | undefined;
  /** True once this process wrote state.json itself: no need to re-read it before rotating. */
  private fileIsOurs = false;

  constructor(
    stateDir: string,
    private readonly logger: Logger,
  ) {
    this.file = join(stateDir, "state.json");
    this.previousFile = join(stateDir, "state.json.previous");
  }

  /** The newest readable state: the file, else the previous copy, else empty. Never throws. */
  load(): ExporterState {
    for (const path of [this.file, this.previousFile]) {
      if (!existsSync(path)) continue;
      try {
        return exporterStateSchema.parse(JSON.parse(readFileSync(path, "utf8")));
      } catch (error) {
        this.logger.warn("state file unreadable, trying the previous copy", {
          file: path,
          err: (error as Error).message.slice(0, 200),
        });
      }
    }
    return EMPTY_STATE;
  }

  /** Resolves once `state` (or a newer one) is on disk; rejects when writing failed. */
  save(state: ExporterState): Promise<void> {
    this.latest = state;
    this.pending ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.pending = undefined;
        const snapshot = this.latest;
        try {
          if (snapshot) this.write(snapshot);
          resolve();
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    return this.pending;
  }

  private write(state: ExporterState): void {
    // The current file becomes the previous copy only if it is good; a rename is atomic.
    if (existsSync(this.file) && (this.fileIsOurs || this.isReadable(this.file))) {
      renameSync(this.file, this.previousFile);
    }
    writeFileAtomic(this.file, `${JSON.stringify(state)}\n`, 0o640);
    this.fileIsOurs = true;
  }

  private isReadable(path: string): boolean {
    try {
      exporterStateSchema.parse(JSON.parse(readFileSync(path, "utf8")));
      return true;
    } catch {
      return false;
    }
  }
}

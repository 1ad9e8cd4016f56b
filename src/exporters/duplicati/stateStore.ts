// Keeps the exporter state on disk so that a restart knows every backup's last result. Writes are
// atomic (temp file, fsync, rename) and the previous good copy is kept, so a crash mid-write or a
// corrupt file never loses what was known.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/atomicWrite.js";
import type { Logger } from "../../lib/log.js";
import { EMPTY_STATE, exporterStateSchema, type ExporterState } from "./state.js";

export class StateStore {
  readonly file: string;
  readonly backupFile: string;

  constructor(
    stateDir: string,
    private readonly logger: Logger,
  ) {
    this.file = join(stateDir, "state.json");
    this.backupFile = join(stateDir, "state.json.previous");
  }

  /** The newest readable state: the file, else the previous copy, else empty. Never throws. */
  load(): ExporterState {
    for (const path of [this.file, this.backupFile]) {
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

  save(state: ExporterState): void {
    if (existsSync(this.file)) {
      try {
        const current = readFileSync(this.file, "utf8");
        exporterStateSchema.parse(JSON.parse(current));
        // Atomic as well: a crash while keeping the previous copy must not ruin it.
        writeFileAtomic(this.backupFile, current, 0o640);
      } catch {
        // The current file is not good: keep the previous copy as it is.
      }
    }
    writeFileAtomic(this.file, `${JSON.stringify(state)}\n`, 0o640);
  }
}

// A lock file holding its owner's pid: one apply per host, one `up` per work directory. A lock
// left by a killed run (its pid gone) is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { UserError } from "../config/configError.js";

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface HeldLock {
  /** Says who holds it, e.g. "another stackmon apply is running (pid 123)". */
  readonly message: (pid: number) => string;
  readonly hint: string;
}

function holderOf(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock at `path` (a path on this machine) or says who holds it; returns its release. */
export function acquirePidLock(path: string, held: HeldLock): () => void {
  mkdirSync(dirname(path), { recursive: true });
  // Twice at most: a stale lock is removed once, then taken as if it had never been there, so
  // that of two runs finding the same stale lock only one gets it.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx" });
      return () => {
        if (holderOf(path) === process.pid) rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = holderOf(path);
    if (holder !== undefined && holder !== process.pid && processAlive(holder))
      throw new UserError(held.message(holder), { hint: held.hint });
    rmSync(path, { force: true });
  }
  const holder = holderOf(path);
  throw new UserError(held.message(holder ?? 0), { hint: held.hint });
}

// One apply at a time per host: two runs interleaving writes and restarts would each leave the
// other's half-done work. A lock left by a killed run (its pid gone) is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { UserError } from "../config/configError.js";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the lock at `path` (a real path) or says who holds it; returns its release. */
export function acquireApplyLock(path: string): () => void {
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(path, `${process.pid}\n`, { flag: "wx" });
  } catch {
    const holder = Number(readFileSync(path, "utf8").trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new UserError(`another stackmon apply is running (pid ${holder})`, {
        hint: `wait for it to finish; ${path} holds its pid`,
      });
    }
    writeFileSync(path, `${process.pid}\n`);
  }
  return () => rmSync(path, { force: true });
}

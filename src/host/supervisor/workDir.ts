// The work directory of `stackmon up`: the rendered tree, logs, data, and a lock so that two
// `up` runs never fight over one stack.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../config/configError.js";
import { writeFileAtomic } from "../../lib/atomicWrite.js";
import { readSecret } from "../../lib/secrets.js";
import type { DesiredState } from "../../render/desiredState.js";
import { resolvedText } from "../../render/fileContent.js";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the lock or says who holds it. A stale lock (dead pid) is taken over. */
export function acquireLock(workDir: string): () => void {
  mkdirSync(workDir, { recursive: true });
  const lockFile = join(workDir, "up.pid");
  try {
    writeFileSync(lockFile, `${process.pid}\n`, { flag: "wx" });
  } catch {
    const holder = Number(readFileSync(lockFile, "utf8").trim());
    if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
      throw new UserError(`stackmon up is already running for ${workDir} (pid ${holder})`, {
        hint: "stop it with Ctrl-C, or use another --dir",
      });
    }
    writeFileSync(lockFile, `${process.pid}\n`);
  }
  return () => rmSync(lockFile, { force: true });
}

/**
 * Lays the desired state into the work directory: directories, then files with secrets filled in.
 * Secret-bearing files are 0600: under `up` every service runs as the invoking user.
 */
export function writeWorkTree(
  workDir: string,
  state: DesiredState,
  env: Readonly<Record<string, string | undefined>>,
): void {
  // Every secret is read before anything is written: a missing one leaves the tree as it was.
  const texts = state.files.map((file) => {
    const path = join(workDir, file.path);
    const text = resolvedText(file.content, (ref) => readSecret(ref, env), readIfExists(path));
    return { path, text, mode: typeof file.content === "string" ? 0o644 : 0o600 };
  });
  for (const dir of state.directories) mkdirSync(join(workDir, dir.path), { recursive: true, mode: 0o750 });
  for (const { path, text, mode } of texts) writeFileAtomic(path, text, mode);
  mkdirSync(join(workDir, "logs"), { recursive: true });
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

// The work directory of `stackmon up`: the rendered tree, logs and data (its lock, up.pid, keeps
// two `up` runs from fighting over one stack).
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/atomicWrite.js";
import { readSecret } from "../../lib/secrets.js";
import type { DesiredState } from "../../render/desiredState.js";
import { resolvedText } from "../../render/fileContent.js";

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

// Finding the program behind a BinarySpec on this machine: its known paths, then $PATH, or a
// Node.js entry point shipped with stackmon itself.
import { accessSync, constants, existsSync } from "node:fs";
import { basename, join } from "node:path";
import type { BinarySpec } from "../render/desiredState.js";
import { packageRootOf } from "../lib/packageRoot.js";

export interface ResolvedBinary {
  readonly command: string;
  /** Arguments that come before the service's own (the script of a Node entry point). */
  readonly prefixArgs: readonly string[];
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where stackmon's own code lives: src/ (run through tsx) or dist/ (built). */
const runningFromSource = import.meta.url.endsWith(".ts");
const codeRoot = join(packageRootOf(import.meta.url), runningFromSource ? "src" : "dist");

export function resolveBinary(
  spec: BinarySpec,
  pathEnv = process.env["PATH"] ?? "",
): ResolvedBinary | undefined {
  if (spec.nodeEntry !== undefined) {
    const script = join(codeRoot, `${spec.nodeEntry}.${runningFromSource ? "ts" : "js"}`);
    if (!existsSync(script)) return undefined;
    // From source, the child needs the same TypeScript loader this process runs under.
    const prefixArgs = runningFromSource ? ["--import", import.meta.resolve("tsx"), script] : [script];
    return { command: process.execPath, prefixArgs };
  }
  for (const path of spec.paths) if (isExecutable(path)) return { command: path, prefixArgs: [] };
  const names = [...new Set(spec.paths.map((p) => basename(p)))];
  for (const dir of pathEnv.split(":").filter(Boolean)) {
    for (const name of names) {
      const candidate = join(dir, name);
      if (isExecutable(candidate)) return { command: candidate, prefixArgs: [] };
    }
  }
  return undefined;
}

/** What to tell a person whose machine lacks the binary. */
export function installHint(spec: BinarySpec): string {
  if (spec.packages.apt) return `install the Debian package: sudo apt-get install ${spec.packages.apt}`;
  if (spec.packages.dnf) return `install the package: sudo dnf install ${spec.packages.dnf}`;
  return `install ${spec.name}`;
}

// Running a program to completion with optional stdin, collecting its output. The one place that
// spawns for the hosts; a secret only ever travels on stdin, never in argv.
import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import type { CommandResult } from "./host.js";

export interface RunOptions {
  readonly input?: string;
  readonly timeoutMs?: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export function runCommand(
  program: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(program, [...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...options.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.once("error", (error) => {
      if (timer) clearTimeout(timer);
      resolve({ status: 127, stdout, stderr: `${stderr}${error.message}` });
    });
    child.once("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ status: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    // A program that does not read its stdin closes it early; that is not our error.
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");
  });
}

export function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

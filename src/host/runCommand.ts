// The command-runner port (see `CommandRunner` in host.ts) on this machine: the one place that
// spawns for the hosts. A secret only ever travels on stdin, never in argv.
import { spawn } from "node:child_process";
import type { CommandRunner, HostCommands, RunOptions } from "./host.js";

export type { RunOptions } from "./host.js";

/** Like RunOptions, with stdin that may be binary (file contents). */
export interface RawRunOptions extends Omit<RunOptions, "input"> {
  readonly input?: string | Uint8Array;
}

/** Like CommandResult, with stdout exactly as the program wrote it (file contents, binary). */
export interface RawCommandResult {
  readonly status: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

export function runCommandRaw(
  program: string,
  args: readonly string[],
  options: RawRunOptions = {},
): Promise<RawCommandResult> {
  return new Promise((resolve) => {
    const child = spawn(program, [...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...options.env },
    });
    // Decoded once at the end: a chunk boundary may split a multi-byte character.
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    const result = (status: number, extra = "") => ({
      status,
      stdout: Buffer.concat(stdout),
      stderr: `${Buffer.concat(stderr).toString("utf8")}${extra}`,
    });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.once("error", (error) => {
      if (timer) clearTimeout(timer);
      resolve(result(127, error.message));
    });
    child.once("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve(result(code ?? (signal ? 128 : 1)));
    });
    // A program that does not read its stdin closes it early; that is not our error.
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");
  });
}

/** A runner of programs whose output may be binary. */
export type RawCommandRunner = typeof runCommandRaw;

/** The command-runner port over a raw runner: stdout as text. */
export function textRunner(raw: RawCommandRunner): CommandRunner {
  return async (program, args, options = {}) => {
    const result = await raw(program, args, options);
    return { ...result, stdout: result.stdout.toString("utf8") };
  };
}

export const runCommand: CommandRunner = textRunner(runCommandRaw);

/** A host's commands given its runner: "is it a program" is asked on the host itself. */
export function commandsOver(run: CommandRunner): HostCommands {
  return {
    run,
    executable: async (path) =>
      (await run("sh", ["-c", 'test -f "$1" && test -x "$1"', "sh", path], { timeoutMs: 10_000 })).status ===
      0,
  };
}

/** This machine's commands, as the user stackmon runs as. */
export const localCommands: HostCommands = commandsOver(runCommand);

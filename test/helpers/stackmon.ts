// Running the stackmon CLI from source in tests: one-shot commands and a supervised `up`.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = join(REPO_ROOT, "src", "cli", "main.ts");
const TSX = import.meta.resolve("tsx");

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): CliResult {
  const result = spawnSync(process.execPath, ["--import", TSX, CLI, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? process.env,
    encoding: "utf8",
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export function tempDir(prefix = "stackmon-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface UpProcess {
  readonly dir: string;
  readonly child: ChildProcess;
  /** Everything `up` printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when `up` prints a line matching `pattern`; rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `stackmon up` on a config text in a fresh temp directory. Resolves once it reports
 * "running" (every service ready and the target wait over). Call stop() in an after hook.
 */
export async function startUp(
  configText: string,
  options: { env?: NodeJS.ProcessEnv; dir?: string; args?: readonly string[]; timeoutMs?: number } = {},
): Promise<UpProcess> {
  const dir = options.dir ?? tempDir("stackmon-up-");
  const configFile = join(dir, "stackmon.yml");
  writeFileSync(configFile, configText);
  const child = spawn(
    process.execPath,
    [
      "--import",
      TSX,
      CLI,
      "up",
      "-c",
      configFile,
      "--dir",
      join(dir, "work"),
      "--no-install",
      ...(options.args ?? []),
    ],
    { cwd: dir, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const waitFor = (pattern: RegExp, timeoutMs = 90_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (match) {
          cleanup();
          resolve(match[0]);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${pattern} in stackmon up output:\n${output}`));
      }, timeoutMs);
      const onExit = () => {
        cleanup();
        reject(new Error(`stackmon up exited before ${pattern}:\n${output}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
        child.off("exit", onExit);
      };
      listeners.add(check);
      child.once("exit", onExit);
      check();
    });

  const up: UpProcess = {
    dir,
    child,
    output: () => output,
    waitFor,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const code = await exited;
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
  try {
    await waitFor(/running; Ctrl-C stops the stack/, options.timeoutMs ?? 120_000);
  } catch (error) {
    await up.stop();
    throw error;
  }
  return up;
}

/** The pid `up` printed for a service in its table. */
export function pidOf(up: UpProcess, service: string): number {
  const line = up
    .output()
    .split("\n")
    .find((l) => l.startsWith(`${service} `));
  const pid = Number(line?.split(/\s+/)[1]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`up printed no pid for ${service}`);
  return pid;
}

/**
 * Like runCli, without blocking this process: for commands that talk to servers the test itself
 * runs (a Mattermost stand-in must keep answering while the command waits).
 */
export function runCliAsync(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", TSX, CLI, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("exit", (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

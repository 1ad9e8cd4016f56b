// One supervised child process: started, restarted with backoff when it dies, stopped on request.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import type { ResolvedBinary } from "../binaries.js";

export interface ChildServiceOptions {
  readonly id: string;
  readonly binary: ResolvedBinary;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly logFile: string;
  readonly onEvent: (event: string, fields: Record<string, string | number>) => void;
}

/** Children still running; if stackmon itself dies unexpectedly, none is left behind. */
const liveChildren = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of liveChildren) child.kill("SIGKILL");
});

const BACKOFF_MS = [1000, 2000, 4000, 8000, 16000, 30000];
/** A child that stayed up this long is healthy again: its backoff starts over. */
const HEALTHY_AFTER_MS = 60_000;

export class ChildService {
  private child: ChildProcess | undefined;
  private log: WriteStream;
  private restarts = 0;
  private startedAt = 0;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ChildServiceOptions) {
    this.log = createWriteStream(options.logFile, { flags: "a" });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get restartCount(): number {
    return this.restarts;
  }

  start(): void {
    const { binary, args, env, id } = this.options;
    this.startedAt = Date.now();
    const child = spawn(binary.command, [...binary.prefixArgs, ...args], {
      env: { ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    liveChildren.add(child);
    child.stdout.pipe(this.log, { end: false });
    child.stderr.pipe(this.log, { end: false });
    child.on("error", (error) => this.options.onEvent("spawn failed", { service: id, error: error.message }));
    child.on("exit", (code, signal) => this.onExit(code, signal));
    this.options.onEvent("started", { service: id, pid: child.pid ?? 0 });
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child) liveChildren.delete(this.child);
    this.child = undefined;
    if (this.stopping) return;
    if (Date.now() - this.startedAt > HEALTHY_AFTER_MS) this.restarts = 0;
    const delay = BACKOFF_MS[Math.min(this.restarts, BACKOFF_MS.length - 1)] ?? 30000;
    this.restarts++;
    this.options.onEvent("exited, restarting", {
      service: this.options.id,
      code: code ?? -1,
      signal: signal ?? "",
      restart_in_ms: delay,
      log: this.options.logFile,
    });
    this.restartTimer = setTimeout(() => this.start(), delay);
  }

  /** SIGTERM, then SIGKILL after the grace period. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => this.log.end(resolve));
  }

  /** Asks the child to reload its configuration (SIGHUP). */
  reload(): void {
    this.child?.kill("SIGHUP");
  }
}

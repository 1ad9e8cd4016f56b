// The Duplicati exporter as its own process (its bin, run from source), as systemd runs it.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./stackmon.js";

const TSX = import.meta.resolve("tsx");

export interface RunningExporter {
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything it logged so far. */
  log(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts the exporter with `flags` and resolves once its landing page answers. */
export async function startExporterProcess(port: number, flags: readonly string[]): Promise<RunningExporter> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      TSX,
      join(REPO_ROOT, "src/exporters/duplicati/main.ts"),
      `--web.listen-address=127.0.0.1:${port}`,
      ...flags,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr?.on("data", (c: Buffer) => (log += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/`)).ok) break;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`exporter did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    child,
    url,
    log: () => log,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      await exited;
    },
  };
}

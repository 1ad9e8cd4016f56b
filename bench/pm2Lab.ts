// bench/pm2's laboratory: PM2 daemons with N processes each, the two exporters against them, and
// what a process has used (CPU time of all its threads, resident memory) read from /proc.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Pm2RpcClient } from "../src/exporters/pm2/pm2Client.js";
import { IO_APP } from "../test/helpers/pm2.js";
import { freePort } from "../test/helpers/ports.js";
import { REPO_ROOT } from "../test/helpers/stackmon.js";

const PM2 = join(REPO_ROOT, "node_modules/.bin/pm2");
const OUR_BUILD = join(REPO_ROOT, ".cache/bench-dist");

/**
 * CPU seconds a process has used, summed over its threads' scheduler statistics (nanoseconds:
 * /proc/PID/stat counts 10 ms ticks, too coarse for an exporter that works 3 times a minute).
 */
export function cpuSeconds(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // a thread that ended between the listing and the read
    }
  }
  return ns / 1e9;
}

export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? 0) / 1024;
}

/**
 * The environment PM2 and its processes get: a login shell's, not the benchmark's (npm run adds a
 * hundred npm_* variables, which PM2 would copy into every process's entry of its answer).
 */
function pm2Env(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env["PATH"],
    HOME: process.env["HOME"],
    USER: "deploy",
    LOGNAME: "deploy",
    SHELL: "/bin/bash",
    LANG: "C.UTF-8",
    PM2_HOME: home,
  };
}

function pm2(home: string, args: readonly string[]): string {
  const result = spawnSync(PM2, [...args], { env: pm2Env(home), encoding: "utf8" });
  if (result.status !== 0) throw new Error(`pm2 ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

/** Like pm2(), without blocking the event loop: several daemons start at once. */
function pm2Async(home: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(PM2, [...args], { env: pm2Env(home), stdio: "ignore" });
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`pm2 ${args.join(" ")}: ${code}`)),
    );
  });
}

interface Pm2Entry {
  pm2_env?: { status?: string; axm_monitor?: Record<string, unknown> };
}

/** The daemon's list through the exporter's own client: `pm2 jlist` costs a Node.js start each time. */
async function list(home: string): Promise<Pm2Entry[]> {
  const client = new Pm2RpcClient(home);
  try {
    return (await client.list(30_000)) as Pm2Entry[];
  } catch {
    return [];
  } finally {
    client.close();
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 300_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Twenty settings of 60 bytes: the configuration an app keeps in its environment. */
const APP_ENV = Object.fromEntries(
  Array.from({ length: 20 }, (_, i) => [`APP_SETTING_${i}`, `value-${i}-`.padEnd(60, "x")]),
);

/**
 * The axm:monitor message a real app with @pm2/io sends (IPCTransport.setMetrics), captured from
 * one run under a daemon of its own. The bench's other processes replay it once over PM2's IPC
 * channel (fd 3) and sleep: 300 Node.js processes would take 17 GB, 300 of these 40 MB.
 */
export async function captureIoMessage(dir: string): Promise<string> {
  const home = join(dir, "capture");
  const app = join(dir, "io-app.js");
  writeFileSync(app, IO_APP);
  pm2(home, ["start", app, "--name", "io-app"]);
  try {
    const monitor = await until("the app's @pm2/io metrics", async () => {
      const metrics = (await list(home))[0]?.pm2_env?.axm_monitor ?? {};
      return "Requests" in metrics && "Heap Size" in metrics ? metrics : undefined;
    });
    return JSON.stringify({ type: "axm:monitor", data: monitor });
  } finally {
    pm2(home, ["kill"]);
  }
}

export interface BenchDaemon {
  readonly home: string;
  readonly pid: number;
  kill(): void;
}

const started = new Set<BenchDaemon>();

/** Every daemon this run started and has not killed yet (for a run that ends early). */
export function killAllDaemons(): void {
  for (const daemon of started) daemon.kill();
}

/**
 * A daemon running one real @pm2/io app and n − 1 stand-ins replaying its metrics; resolves once
 * the daemon is up (it is then killed by killAllDaemons whatever happens next), before they all are.
 */
export async function startDaemon(
  dir: string,
  name: string,
  n: number,
  ioMessage: string,
): Promise<BenchDaemon> {
  const home = join(dir, name);
  const standIn = join(dir, "stand-in.sh");
  if (!existsSync(standIn)) {
    const quoted = `'${ioMessage.replace(/'/g, "'\\''")}'`;
    writeFileSync(standIn, `#!/bin/sh\nprintf '%s\\n' ${quoted} >&3\nexec sleep infinity\n`, { mode: 0o755 });
  }
  const apps = [
    { name: "io-app", script: join(dir, "io-app.js"), env: APP_ENV },
    ...Array.from({ length: n - 1 }, (_, i) => ({
      name: `app-${i}`,
      script: standIn,
      interpreter: "none",
      env: APP_ENV,
    })),
  ];
  const ecosystem = join(dir, `${name}.config.js`);
  writeFileSync(ecosystem, `module.exports = ${JSON.stringify({ apps })};\n`);
  const starting = pm2Async(home, ["start", ecosystem]);
  const pid = await until(`the daemon of ${name}`, () =>
    Promise.resolve(
      existsSync(join(home, "pm2.pid")) ? Number(readFileSync(join(home, "pm2.pid"), "utf8")) : undefined,
    ),
  );
  const daemon: BenchDaemon = {
    home,
    pid,
    kill: () => {
      started.delete(daemon);
      spawnSync(PM2, ["kill"], { env: pm2Env(home), stdio: "ignore" });
    },
  };
  started.add(daemon);
  await starting;
  return daemon;
}

export async function waitOnline(daemon: BenchDaemon, n: number): Promise<void> {
  await until(`${n} processes online under ${daemon.home}`, async () => {
    const processes = await list(daemon.home);
    return processes.length === n && processes.every((p) => p.pm2_env?.status === "online")
      ? true
      : undefined;
  });
}

/** Compiles the exporter as it ships (dist/): tsx's loader would add its own memory and CPU. */
export function buildOurExporter(): void {
  const result = spawnSync(
    join(REPO_ROOT, "node_modules/.bin/tsc"),
    ["-p", "tsconfig.build.json", "--outDir", OUR_BUILD],
    { cwd: REPO_ROOT, encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`building the exporter failed: ${result.stdout}${result.stderr}`);
}

export type ExporterName = "stackmon" | "pm2-metrics";

export interface BenchExporter {
  readonly name: ExporterName;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startExporter(
  name: ExporterName,
  daemon: BenchDaemon,
  /** Our exporter's own flags (pm2-metrics takes none). */
  flags: readonly string[],
): Promise<BenchExporter> {
  const port = await freePort();
  const child: ChildProcess =
    name === "stackmon"
      ? spawn(
          process.execPath,
          [
            join(OUR_BUILD, "exporters/pm2/main.js"),
            `--web.listen-address=127.0.0.1:${port}`,
            `--pm2.home=${daemon.home}`,
            ...flags,
          ],
          { stdio: "ignore" },
        )
      : // pm2-metrics reads its settings from an environment variable named after the process.
        spawn(process.execPath, [join(REPO_ROOT, "node_modules/pm2-metrics/exporter.js")], {
          env: {
            ...process.env,
            PM2_HOME: daemon.home,
            name: "pm2metrics",
            pm2metrics: JSON.stringify({ port, host: "127.0.0.1" }),
          },
          stdio: "ignore",
        });
  const url = `http://127.0.0.1:${port}/metrics`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await scrape(url)).text.includes("pm2_")) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not come up`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    name,
    url,
    pid: child.pid ?? 0,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** One scrape as Prometheus makes it (it asks for gzip); the latency is to the last byte. */
export async function scrape(url: string): Promise<{ ms: number; text: string }> {
  const start = performance.now();
  const response = await fetch(url, {
    headers: {
      Accept: "text/plain;version=0.0.4;q=0.3,*/*;q=0.1",
      "Accept-Encoding": "gzip",
    },
  });
  const text = await response.text();
  return { ms: performance.now() - start, text };
}

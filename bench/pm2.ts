// bench/pm2: our PM2 exporter and pm2-metrics, side by side against the same PM2 daemon with
// N = 20 and N = 100 processes: scrape latency (p50/p99 over 200 scrapes), CPU time per scrape
// (the exporter's own, and the PM2 daemon's), resident memory. Run with `npm run bench:pm2`.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { freePort } from "../test/helpers/ports.js";
import { REPO_ROOT, tempDir } from "../test/helpers/stackmon.js";

const TSX = import.meta.resolve("tsx");
const PM2 = join(REPO_ROOT, "node_modules/.bin/pm2");
const SCRAPES = 200;
/** Scrapes are paced so that work an exporter does in the background is counted too. */
const SCRAPE_EVERY_MS = 100;
const TICKS_PER_SECOND = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  // utime and stime are fields 14 and 15 of /proc/PID/stat (11 and 12 after the command name).
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? 0) / 1024;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

interface Result {
  p50: number;
  p99: number;
  cpuMsPerScrape: number;
  daemonCpuMsPerScrape: number;
  rss: number;
}

async function waitFor(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok && (await response.text()).includes("pm2_")) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The daemon's own CPU per second with no exporter asking: subtracted from each exporter's share. */
async function daemonIdleCpuPerSecond(daemonPid: number): Promise<number> {
  const before = cpuSeconds(daemonPid);
  const start = performance.now();
  await new Promise((r) => setTimeout(r, 10_000));
  return (cpuSeconds(daemonPid) - before) / ((performance.now() - start) / 1000);
}

async function measure(
  exporter: ChildProcess,
  url: string,
  daemonPid: number,
  daemonIdle: number,
): Promise<Result> {
  await waitFor(url);
  for (let i = 0; i < 5; i++) await (await fetch(url)).text();
  const pid = exporter.pid ?? 0;
  const cpuBefore = cpuSeconds(pid);
  const daemonBefore = cpuSeconds(daemonPid);
  const windowStart = performance.now();
  const latencies: number[] = [];
  for (let i = 0; i < SCRAPES; i++) {
    const start = performance.now();
    await (await fetch(url)).text();
    const took = performance.now() - start;
    latencies.push(took);
    await new Promise((r) => setTimeout(r, Math.max(0, SCRAPE_EVERY_MS - took)));
  }
  const cpu = cpuSeconds(pid) - cpuBefore;
  const windowSeconds = (performance.now() - windowStart) / 1000;
  const daemon = Math.max(0, cpuSeconds(daemonPid) - daemonBefore - daemonIdle * windowSeconds);
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuMsPerScrape: (cpu * 1000) / SCRAPES,
    daemonCpuMsPerScrape: (daemon * 1000) / SCRAPES,
    rss: rssMiB(pid),
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

async function benchN(n: number): Promise<{ ours: Result; theirs: Result }> {
  const dir = tempDir("stackmon-bench-pm2-");
  const env = { ...process.env, PM2_HOME: join(dir, "home") };
  try {
    writeFileSync(join(dir, "idle.js"), "setInterval(() => {}, 60_000);\n");
    const apps = Array.from({ length: n }, (_, i) => ({ name: `app-${i}`, script: join(dir, "idle.js") }));
    writeFileSync(join(dir, "ecosystem.config.js"), `module.exports = ${JSON.stringify({ apps })};\n`);
    const started = spawnSync(PM2, ["start", join(dir, "ecosystem.config.js")], { env, encoding: "utf8" });
    if (started.status !== 0) throw new Error(`pm2 start failed: ${started.stderr}`);
    const daemonPid = Number(readFileSync(join(dir, "home", "pm2.pid"), "utf8").trim());
    const daemonIdle = await daemonIdleCpuPerSecond(daemonPid);

    const oursPort = await freePort();
    const ours = spawn(
      process.execPath,
      [
        "--import",
        TSX,
        join(REPO_ROOT, "src/exporters/pm2/main.ts"),
        `--web.listen-address=127.0.0.1:${oursPort}`,
        `--pm2.home=${env.PM2_HOME}`,
      ],
      { env, stdio: "ignore" },
    );
    const oursResult = await measure(ours, `http://127.0.0.1:${oursPort}/metrics`, daemonPid, daemonIdle);
    await stop(ours);

    const theirsPort = await freePort();
    // pm2-metrics reads its settings from an environment variable named after the process.
    const theirs = spawn(process.execPath, [join(REPO_ROOT, "node_modules/pm2-metrics/exporter.js")], {
      env: {
        ...env,
        name: "pm2metrics",
        pm2metrics: JSON.stringify({ port: theirsPort, host: "127.0.0.1" }),
      },
      stdio: "ignore",
    });
    const theirsResult = await measure(
      theirs,
      `http://127.0.0.1:${theirsPort}/metrics`,
      daemonPid,
      daemonIdle,
    );
    await stop(theirs);
    return { ours: oursResult, theirs: theirsResult };
  } finally {
    spawnSync(PM2, ["kill"], { env });
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows: string[][] = [
    ["N", "exporter", "p50 ms", "p99 ms", "CPU ms/scrape", "daemon CPU ms/scrape", "RSS MiB"],
  ];
  const ratios: string[] = [];
  for (const n of [20, 100]) {
    const { ours, theirs } = await benchN(n);
    for (const [name, r] of [
      ["stackmon", ours],
      ["pm2-metrics", theirs],
    ] as const) {
      rows.push([
        String(n),
        name,
        r.p50.toFixed(2),
        r.p99.toFixed(2),
        r.cpuMsPerScrape.toFixed(2),
        r.daemonCpuMsPerScrape.toFixed(2),
        r.rss.toFixed(0),
      ]);
    }
    const ratio = (a: number, b: number) =>
      a > 0 ? `${(b / a).toFixed(1)}x` : "n/a (below clock resolution)";
    ratios.push(
      `N=${n}: pm2-metrics/stackmon  p50 ${ratio(ours.p50, theirs.p50)}, p99 ${ratio(ours.p99, theirs.p99)}, ` +
        `CPU per scrape ${ratio(ours.cpuMsPerScrape, theirs.cpuMsPerScrape)}, daemon CPU ${ratio(ours.daemonCpuMsPerScrape, theirs.daemonCpuMsPerScrape)}`,
    );
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? [];
  console.log(
    `${SCRAPES} scrapes per exporter, one every ${SCRAPE_EVERY_MS} ms; stackmon polls PM2 every 5 s (its default).\n`,
  );
  for (const row of rows) console.log(row.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  "));
  console.log("");
  for (const line of ratios) console.log(line);
  console.log("\nTargets at N=100: at least 10x less CPU per scrape than pm2-metrics, p99 under 10 ms.");
}

await main();

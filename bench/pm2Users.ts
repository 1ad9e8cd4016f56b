// bench/pm2Users: several PM2 daemons on one host (one per user), watched by one exporter process
// per daemon (what stackmon runs) or by one process for all of them (bench/pm2AllUsers.ts, the
// alternative). Both scraped every 15 s at once, against the same K daemons of N processes:
// the exporters' CPU per hour and their resident memory, summed over their processes. The
// daemons do the same work either way (one collection per daemon per scrape), so it is left out.
// `npm run bench:pm2-users` (about 11 minutes) or `-- --quick` (about 5).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { formatTable } from "../src/lib/textTable.js";
import { freePort } from "../test/helpers/ports.js";
import { REPO_ROOT, tempDir } from "../test/helpers/stackmon.js";
import {
  buildOurExporter,
  captureIoMessage,
  cpuSeconds,
  killAllDaemons,
  rssMiB,
  scrape,
  startDaemon,
  startExporter,
  waitOnline,
  type BenchDaemon,
  type BenchExporter,
} from "./pm2Lab.js";

const QUICK = process.argv.includes("--quick");
const WINDOW_SECONDS = QUICK ? 60 : 180;
const USERS = [1, 2, 4];
const N = 20;
const INTERVAL_SECONDS = 15;
const ALL_USERS_BUILD = join(REPO_ROOT, ".cache/bench-all");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function buildAllUsersExporter(): string {
  const result = spawnSync(
    join(REPO_ROOT, "node_modules/.bin/tsc"),
    [
      join(REPO_ROOT, "bench/pm2AllUsers.ts"),
      "--ignoreConfig",
      ...["--outDir", ALL_USERS_BUILD, "--rootDir", REPO_ROOT, "--module", "nodenext"],
      ...[
        "--moduleResolution",
        "nodenext",
        "--target",
        "es2022",
        "--strict",
        "--skipLibCheck",
        "--types",
        "node",
      ],
    ],
    { cwd: REPO_ROOT, encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`building pm2AllUsers failed: ${result.stdout}${result.stderr}`);
  return join(ALL_USERS_BUILD, "bench/pm2AllUsers.js");
}

async function startAllUsers(script: string, daemons: readonly BenchDaemon[]) {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [script, String(port), ...daemons.map((d, i) => `user${i}=${d.home}`)],
    { stdio: "ignore" },
  );
  const url = `http://127.0.0.1:${port}/metrics`;
  for (let tries = 0; ; tries++) {
    try {
      if ((await scrape(url)).text.includes("pm2_")) break;
    } catch {
      // not yet listening
    }
    if (tries > 240) throw new Error("the one-for-all exporter did not come up");
    await sleep(250);
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url,
    pid: child.pid ?? 0,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

interface Row {
  readonly users: number;
  readonly perDaemon: { cpuPerHour: number; rss: number };
  readonly oneForAll: { cpuPerHour: number; rss: number };
}

async function measure(daemons: readonly BenchDaemon[], allUsersScript: string): Promise<Row> {
  const own: BenchExporter[] = [];
  for (const daemon of daemons) own.push(await startExporter("stackmon", daemon, ["--pm2.min-age=9s"]));
  const shared = await startAllUsers(allUsersScript, daemons);
  try {
    await sleep(10_000);
    const ownBefore = own.map((e) => cpuSeconds(e.pid));
    const sharedBefore = cpuSeconds(shared.pid);
    const start = performance.now();
    const end = start + WINDOW_SECONDS * 1000;
    const every = async (urls: readonly string[], offset: number) => {
      for (let k = 0; start + (offset + k * INTERVAL_SECONDS) * 1000 < end; k++) {
        await sleep(start + (offset + k * INTERVAL_SECONDS) * 1000 - performance.now());
        await Promise.all(urls.map((url) => scrape(url)));
      }
    };
    await Promise.all([
      every(
        own.map((e) => e.url),
        0.2,
      ),
      every([shared.url], INTERVAL_SECONDS / 2),
    ]);
    const perHour = 3600 / ((performance.now() - start) / 1000);
    const ownCpu = own.reduce((sum, e, i) => sum + cpuSeconds(e.pid) - (ownBefore[i] ?? 0), 0);
    return {
      users: daemons.length,
      perDaemon: { cpuPerHour: ownCpu * perHour, rss: own.reduce((sum, e) => sum + rssMiB(e.pid), 0) },
      oneForAll: { cpuPerHour: (cpuSeconds(shared.pid) - sharedBefore) * perHour, rss: rssMiB(shared.pid) },
    };
  } finally {
    for (const exporter of own) await exporter.stop();
    await shared.stop();
  }
}

async function main(): Promise<void> {
  const began = performance.now();
  const dir = tempDir("stackmon-bench-pm2-users-");
  try {
    buildOurExporter();
    const allUsersScript = buildAllUsersExporter();
    const ioMessage = await captureIoMessage(dir);
    const daemons: BenchDaemon[] = [];
    for (let i = 0; i < Math.max(...USERS); i++)
      daemons.push(await startDaemon(dir, `user${i}`, N, ioMessage));
    for (const daemon of daemons) await waitOnline(daemon, N);
    await sleep(20_000);
    const rows: Row[] = [];
    for (const users of USERS) rows.push(await measure(daemons.slice(0, users), allUsersScript));
    console.log(
      `K PM2 daemons of ${N} processes each, every exporter scraped every ${INTERVAL_SECONDS} s for ${WINDOW_SECONDS} s.\n` +
        "CPU s/h and RSS of the exporters, summed over their processes (the daemons' work is the same either way).\n",
    );
    const table = [["users", "per daemon: CPU s/h", "RSS MiB", "one for all: CPU s/h", "RSS MiB"]];
    for (const r of rows) {
      table.push([
        String(r.users),
        r.perDaemon.cpuPerHour.toFixed(1),
        String(Math.round(r.perDaemon.rss)),
        r.oneForAll.cpuPerHour.toFixed(1),
        String(Math.round(r.oneForAll.rss)),
      ]);
    }
    console.log(formatTable(table));
    console.log(`\nThis run took ${Math.round((performance.now() - began) / 60_000)} minutes.`);
  } finally {
    killAllDaemons();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.once("SIGINT", () => {
  killAllDaemons();
  process.exit(130);
});
await main();

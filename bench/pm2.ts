// bench/pm2: what watching PM2 costs the host. Our exporter and pm2-metrics run side by side, each
// against its own PM2 daemon with the same N processes, scraped the way Prometheus scrapes (every
// 5 s, 15 s and 60 s) during one window: CPU seconds per hour of the exporter plus the daemon's
// extra (its CPU beyond its own idle rate), scrape latency and resident memory. Then a stress
// table (ten scrapes a second) and where one collection's CPU goes.
// `npm run bench:pm2` (about 25 minutes) or `npm run bench:pm2 -- --quick` (N = 20 and 100, short
// windows: about 8 minutes).
import { gzipSync } from "node:zlib";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { formatDuration } from "../src/lib/duration.js";
import { formatTable } from "../src/lib/textTable.js";
import { EXPOSITION_GZIP_LEVEL } from "../src/lib/web/exporterServer.js";
import { processLabels, renderListFamilies, renderSampledFamilies } from "../src/exporters/pm2/metrics.js";
import { parsePm2List } from "../src/exporters/pm2/parsePm2List.js";
import { Pm2RpcClient } from "../src/exporters/pm2/pm2Client.js";
import { ProcReader } from "../src/exporters/pm2/procStat.js";
import { REPO_ROOT, tempDir } from "../test/helpers/stackmon.js";
import {
  buildOurExporter,
  captureIoMessage,
  cpuSeconds,
  rssMiB,
  scrape,
  startDaemon,
  startExporter,
  killAllDaemons,
  waitOnline,
  type BenchDaemon,
  type BenchExporter,
  type ExporterName,
} from "./pm2Lab.js";

const QUICK = process.argv.includes("--quick");
const PLAN = QUICK
  ? { sizes: [20, 100], idleSeconds: 20, windowSeconds: 60, stressScrapes: 50 }
  : { sizes: [20, 100, 300], idleSeconds: 60, windowSeconds: 180, stressScrapes: 200 };
const INTERVALS: readonly number[] = [5, 15, 60];
/** As the pm2 component renders them: just over half the scrape interval; a minute or two intervals. */
const minAgeFor = (intervalSeconds: number) => formatDuration(Math.round(intervalSeconds * 600));
const listMaxAgeFor = (intervalSeconds: number) => formatDuration(Math.max(60_000, intervalSeconds * 2000));
/** Who runs at each interval: ours as the pm2 component configures it, pm2-metrics, and at 15 s
 * ours renewing PM2's list at every scrape, the trade-off the docs discuss. */
interface Contestant {
  readonly label: string;
  readonly exporter: ExporterName;
  readonly interval: number;
  /** Our exporter's flags. */
  readonly flags: readonly string[];
  /** Where in the interval its scrapes fall, as a fraction: contestants take turns. */
  readonly phase: number;
}
const CONTESTANTS: readonly Contestant[] = INTERVALS.flatMap((interval) => [
  {
    label: "stackmon",
    exporter: "stackmon" as const,
    interval,
    flags: [`--pm2.min-age=${minAgeFor(interval)}`, `--pm2.list-max-age=${listMaxAgeFor(interval)}`],
    phase: 0,
  },
  { label: "pm2-metrics", exporter: "pm2-metrics" as const, interval, flags: [], phase: 0.5 },
  ...(interval === 15
    ? [
        {
          label: "stackmon, list_max_age 9s",
          exporter: "stackmon" as const,
          interval,
          flags: [`--pm2.min-age=${minAgeFor(interval)}`, "--pm2.list-max-age=9s"],
          phase: 0.25,
        },
      ]
    : []),
]);
const STRESS_EVERY_MS = 100;

function pm2Version(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "node_modules/pm2/package.json"), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface Pair {
  readonly contestant: Contestant;
  readonly daemon: BenchDaemon;
  /** The daemon's own CPU per second with no exporter asking. */
  idleRate: number;
  running?: BenchExporter;
}

interface HourlyRow {
  readonly n: number;
  readonly interval: number;
  readonly label: string;
  readonly exporterPerHour: number;
  readonly daemonPerHour: number;
  readonly latencies: readonly number[];
  readonly rss: number;
}

interface StressRow {
  readonly n: number;
  readonly label: string;
  readonly cpuMsPerScrape: number;
  readonly daemonMsPerScrape: number;
  readonly latencies: readonly number[];
  readonly rss: number;
}

interface BreakdownRow {
  readonly n: number;
  readonly daemonMs: number;
  readonly receiveMs: number;
  readonly parseMs: number;
  /** Reading every online process's /proc/<pid>/stat: what a scrape between two lists does instead. */
  readonly procMs: number;
  readonly expositionMs: number;
  /** The CPU and memory families a scrape adds to the list's text. */
  readonly sampledMs: number;
  readonly gzipMs: number;
  readonly bytes: { json: number; exposition: number; gzip: number };
}

async function idleRates(pairs: readonly Pair[]): Promise<void> {
  const before = pairs.map((p) => cpuSeconds(p.daemon.pid));
  const start = performance.now();
  await sleep(PLAN.idleSeconds * 1000);
  const seconds = (performance.now() - start) / 1000;
  pairs.forEach((p, i) => (p.idleRate = (cpuSeconds(p.daemon.pid) - (before[i] ?? 0)) / seconds));
}

/** Scrapes `url` every `interval` s from `offset` s until `endAt`; returns the latencies. */
async function scrapeEvery(url: string, interval: number, offset: number, startAt: number, endAt: number) {
  const latencies: number[] = [];
  for (let k = 0; ; k++) {
    const at = startAt + (offset + k * interval) * 1000;
    if (at >= endAt) return latencies;
    await sleep(at - performance.now());
    latencies.push((await scrape(url)).ms);
  }
}

/** One window, every pair scraped at its interval; ours and theirs half an interval apart. */
async function hourlyWindow(n: number, pairs: readonly Pair[]): Promise<HourlyRow[]> {
  const running = pairs.map((p) => p.running as BenchExporter);
  const exporterBefore = running.map((e) => cpuSeconds(e.pid));
  const daemonBefore = pairs.map((p) => cpuSeconds(p.daemon.pid));
  const startAt = performance.now();
  const endAt = startAt + PLAN.windowSeconds * 1000;
  const latencies = await Promise.all(
    pairs.map(({ contestant: c }, i) => {
      const offset = 0.2 + 0.41 * INTERVALS.indexOf(c.interval) + c.phase * c.interval;
      return scrapeEvery(running[i]?.url ?? "", c.interval, offset, startAt, endAt);
    }),
  );
  const seconds = (performance.now() - startAt) / 1000;
  const perHour = 3600 / seconds;
  return pairs.map((p, i) => ({
    n,
    interval: p.contestant.interval,
    label: p.contestant.label,
    exporterPerHour: (cpuSeconds(running[i]?.pid ?? 0) - (exporterBefore[i] ?? 0)) * perHour,
    daemonPerHour: (cpuSeconds(p.daemon.pid) - (daemonBefore[i] ?? 0) - p.idleRate * seconds) * perHour,
    latencies: latencies[i] ?? [],
    rss: rssMiB(running[i]?.pid ?? 0),
  }));
}

async function stress(n: number, pair: Pair): Promise<StressRow> {
  const exporter = pair.running as BenchExporter;
  const exporterBefore = cpuSeconds(exporter.pid);
  const daemonBefore = cpuSeconds(pair.daemon.pid);
  const start = performance.now();
  const latencies: number[] = [];
  for (let i = 0; i < PLAN.stressScrapes; i++) {
    const { ms } = await scrape(exporter.url);
    latencies.push(ms);
    await sleep(STRESS_EVERY_MS - ms);
  }
  const seconds = (performance.now() - start) / 1000;
  const daemon = cpuSeconds(pair.daemon.pid) - daemonBefore - pair.idleRate * seconds;
  return {
    n,
    label: pair.contestant.label,
    cpuMsPerScrape: ((cpuSeconds(exporter.pid) - exporterBefore) * 1000) / PLAN.stressScrapes,
    daemonMsPerScrape: (daemon * 1000) / PLAN.stressScrapes,
    latencies,
    rss: rssMiB(exporter.pid),
  };
}

/** One collection's steps in this process, 20 times a second apart, as the exporter does them. */
async function breakdown(n: number, pair: Pair): Promise<BreakdownRow> {
  const client = new Pm2RpcClient(pair.daemon.home);
  const rounds = 20;
  const sum = { daemon: 0, receive: 0, parse: 0, proc: 0, exposition: 0, sampled: 0, gzip: 0 };
  const reader = new ProcReader();
  const bytes = { json: 0, exposition: 0, gzip: 0 };
  const cpuMs = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  try {
    for (let i = 0; i < rounds; i++) {
      await sleep(1000);
      const daemonBefore = cpuSeconds(pair.daemon.pid);
      let t = cpuMs();
      const list = await client.list(10_000);
      sum.receive += cpuMs() - t;
      await sleep(100);
      sum.daemon += (cpuSeconds(pair.daemon.pid) - daemonBefore - pair.idleRate * 1.1) * 1000;
      t = cpuMs();
      const snapshot = parsePm2List(list, { ioMetricsLimit: 50 });
      sum.parse += cpuMs() - t;
      t = cpuMs();
      for (const p of snapshot.processes) if (p.status === "online" && p.pid) reader.read(p.pid);
      sum.proc += cpuMs() - t;
      t = cpuMs();
      const status = {
        snapshot,
        daemonUp: true,
        lastSuccessTime: Date.now() / 1000,
        lastDurationSeconds: 0.01,
        collections: i,
        errors: 0,
        version: i,
        listVersion: i,
      };
      const labels = processLabels(status);
      const listText = renderListFamilies(status, labels);
      sum.exposition += cpuMs() - t;
      t = cpuMs();
      const text = listText + renderSampledFamilies(status, labels);
      sum.sampled += cpuMs() - t;
      t = cpuMs();
      const plain = Buffer.from(text);
      // What the web layer does with a new exposition: encode it, gzip it.
      const gzip = gzipSync(plain, { level: EXPOSITION_GZIP_LEVEL });
      sum.gzip += cpuMs() - t;
      Object.assign(bytes, {
        json: JSON.stringify(list).length,
        exposition: plain.length,
        gzip: gzip.length,
      });
    }
  } finally {
    client.close();
  }
  return {
    n,
    daemonMs: sum.daemon / rounds,
    receiveMs: sum.receive / rounds,
    parseMs: sum.parse / rounds,
    procMs: sum.proc / rounds,
    expositionMs: sum.exposition / rounds,
    sampledMs: sum.sampled / rounds,
    gzipMs: sum.gzip / rounds,
    bytes,
  };
}

async function benchSize(dir: string, n: number, ioMessage: string) {
  const pairs: Pair[] = [];
  try {
    for (const contestant of CONTESTANTS) {
      const name = `${contestant.label.replace(/\W+/g, "-")}-${contestant.interval}s-n${n}`;
      pairs.push({ contestant, daemon: await startDaemon(dir, name, n, ioMessage), idleRate: 0 });
    }
    for (const pair of pairs) await waitOnline(pair.daemon, n);
    // Starting N processes leaves the daemons busy for a while (logs, garbage): let them settle.
    await sleep(30_000);
    await idleRates(pairs);
    for (const pair of pairs)
      pair.running = await startExporter(pair.contestant.exporter, pair.daemon, pair.contestant.flags);
    // Exporters run for weeks: their first seconds (compiling, the first collection) are not what
    // users pay per hour. One scrape each, then time to settle.
    for (const pair of pairs) if (pair.running) await scrape(pair.running.url);
    await sleep(30_000);
    const hourly = await hourlyWindow(n, pairs);
    const stressed = pairs.filter((p) => p.contestant.interval === 15 && p.contestant.phase !== 0.25);
    for (const pair of pairs) if (!stressed.includes(pair)) await pair.running?.stop();
    const stressRows: StressRow[] = [];
    for (const pair of stressed) stressRows.push(await stress(n, pair));
    const ours = stressed.find((p) => p.contestant.label === "stackmon");
    const split = ours ? await breakdown(n, ours) : undefined;
    return { hourly, stressRows, split };
  } finally {
    for (const pair of pairs) {
      await pair.running?.stop();
      pair.daemon.kill();
    }
  }
}

const f1 = (v: number) => v.toFixed(1);
const f2 = (v: number) => v.toFixed(2);

function printHourly(rows: readonly HourlyRow[]): void {
  const table: string[][] = [
    [
      "N",
      "scrape every",
      "exporter",
      "CPU s/h",
      "(exporter",
      "+ daemon)",
      "p50 ms",
      "p99 ms",
      "RSS MiB",
      "scrapes",
    ],
  ];
  for (const r of rows) {
    table.push([
      String(r.n),
      `${r.interval} s`,
      r.label,
      f1(r.exporterPerHour + r.daemonPerHour),
      f1(r.exporterPerHour),
      f1(r.daemonPerHour),
      f1(percentile(r.latencies, 50)),
      f1(percentile(r.latencies, 99)),
      String(Math.round(r.rss)),
      String(r.latencies.length),
    ]);
  }
  console.log(formatTable(table));
}

function printRatios(rows: readonly HourlyRow[]): void {
  const total = (r: HourlyRow | undefined) => (r ? r.exporterPerHour + r.daemonPerHour : NaN);
  console.log("\nstackmon's CPU per hour as a share of pm2-metrics' (exporter + daemon):");
  for (const n of PLAN.sizes) {
    const shares = INTERVALS.map((interval) => {
      const of = (label: string) =>
        rows.find((r) => r.n === n && r.interval === interval && r.label === label);
      return `${interval} s: ${f2(total(of("stackmon")) / total(of("pm2-metrics")))}`;
    });
    console.log(`  N=${n}  ${shares.join("   ")}`);
  }
}

function printStress(rows: readonly StressRow[]): void {
  const table: string[][] = [
    ["N", "exporter", "CPU ms/scrape", "daemon CPU ms/scrape", "p50 ms", "p99 ms", "RSS MiB"],
  ];
  for (const r of rows) {
    table.push([
      String(r.n),
      r.label,
      f2(r.cpuMsPerScrape),
      f2(r.daemonMsPerScrape),
      f1(percentile(r.latencies, 50)),
      f1(percentile(r.latencies, 99)),
      String(Math.round(r.rss)),
    ]);
  }
  console.log(formatTable(table));
}

function printBreakdown(rows: readonly BreakdownRow[]): void {
  const table: string[][] = [
    [
      "N",
      "daemon ms",
      "receive+pick ms",
      "parse ms",
      "list text ms",
      "/proc ms",
      "CPU+memory text ms",
      "encode+gzip ms",
      "JSON KiB",
      "text KiB",
      "gzip KiB",
    ],
  ];
  for (const r of rows) {
    table.push([
      String(r.n),
      f2(r.daemonMs),
      f2(r.receiveMs),
      f2(r.parseMs),
      f2(r.expositionMs),
      f2(r.procMs),
      f2(r.sampledMs),
      f2(r.gzipMs),
      String(Math.round(r.bytes.json / 1024)),
      String(Math.round(r.bytes.exposition / 1024)),
      String(Math.round(r.bytes.gzip / 1024)),
    ]);
  }
  console.log(formatTable(table));
}

function printGoals(rows: readonly HourlyRow[]): void {
  const total = (r: HourlyRow) => r.exporterPerHour + r.daemonPerHour;
  const of = (n: number, interval: number, label: string) =>
    rows.find((r) => r.n === n && r.interval === interval && r.label === label);
  const share = (n: number, interval: number) => {
    const ours = of(n, interval, "stackmon");
    const theirs = of(n, interval, "pm2-metrics");
    return ours && theirs ? total(ours) / total(theirs) : NaN;
  };
  const ours = rows.filter((r) => r.label === "stackmon");
  const over = PLAN.sizes.flatMap((n) =>
    INTERVALS.filter((i) => !(share(n, i) <= 1)).map((i) => `N=${n} at ${i} s`),
  );
  const p99 = Math.max(...ours.filter((r) => r.n === 100).map((r) => percentile(r.latencies, 99)));
  const rssOver = PLAN.sizes.flatMap((n) =>
    INTERVALS.filter((i) => (of(n, i, "stackmon")?.rss ?? 0) > (of(n, i, "pm2-metrics")?.rss ?? 0)).map(
      (i) => `N=${n} at ${i} s`,
    ),
  );
  const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
  console.log("\nGoals (issue 15):");
  console.log(
    `  at 15 s and N = 100, at most a fifth of pm2-metrics' CPU per hour: ${f2(share(100, 15))} — ${verdict(share(100, 15) <= 0.2)}`,
  );
  console.log(
    `  never more than pm2-metrics at any interval: ${verdict(over.length === 0)}${over.length ? ` (${over.join(", ")})` : ""}`,
  );
  console.log(`  p99 under 10 ms at N = 100: ${f1(p99)} ms — ${verdict(p99 < 10)}`);
  console.log(
    `  RSS no larger than pm2-metrics: ${verdict(rssOver.length === 0)}${rssOver.length ? ` (${rssOver.join(", ")})` : ""}`,
  );
}

async function main(): Promise<void> {
  const began = performance.now();
  const dir = tempDir("stackmon-bench-pm2-");
  try {
    buildOurExporter();
    const ioMessage = await captureIoMessage(dir);
    const hourly: HourlyRow[] = [];
    const stressRows: StressRow[] = [];
    const splits: BreakdownRow[] = [];
    for (const n of PLAN.sizes) {
      const result = await benchSize(dir, n, ioMessage);
      hourly.push(...result.hourly);
      stressRows.push(...result.stressRows);
      if (result.split) splits.push(result.split);
      console.error(`N=${n} done after ${Math.round((performance.now() - began) / 1000)} s`);
    }
    console.log(
      `PM2 ${pm2Version()}: one daemon per exporter and interval, each with N processes (one Node.js app with @pm2/io, the others replaying its metrics).\n` +
        `Each exporter scraped at its interval for ${PLAN.windowSeconds} s, asking for gzip like Prometheus; stackmon with --pm2.min-age = 0.6 × the interval and --pm2.list-max-age = 60 s or 2 × the interval (as the pm2 component renders them).\n` +
        `CPU s/h: the exporter's CPU plus its daemon's beyond the daemon's own idle rate, per hour. Latency to the last byte.\n`,
    );
    printHourly(hourly);
    printRatios(hourly);
    console.log(
      `\nStress: ${PLAN.stressScrapes} scrapes, one every ${STRESS_EVERY_MS} ms, against the 15 s pair (stackmon --pm2.min-age=9s)\n`,
    );
    printStress(stressRows);
    console.log(
      "\nWhere the CPU goes (stackmon's steps, in the benchmark's process, 20 rounds a second apart). A list: daemon, receive+pick,\n" +
        "parse, list text. A scrape: /proc, CPU+memory text, encode+gzip (the whole text).\n",
    );
    printBreakdown(splits);
    printGoals(hourly);
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

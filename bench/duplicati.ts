// bench/duplicati: what a report and a scrape cost as the number of backups grows, up to the
// default cap (1,000) and ten times past it (--backups.max=10000), with label values at their
// longest. Run with `npm run bench:duplicati`; prints a table.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";
import { gunzipSync } from "node:zlib";
import { DEFAULT_LIMITS } from "../src/exporters/duplicati/backupTable.js";
import { startDuplicatiExporter, type DuplicatiExporter } from "../src/exporters/duplicati/exporter.js";
import { createLogger } from "../src/lib/log.js";
import { REPO_ROOT, tempDir } from "../test/helpers/stackmon.js";

const TOKEN = "bench-token-0123456789abcdef";
const CONCURRENCY = 8;
const template = JSON.parse(
  readFileSync(join(REPO_ROOT, "test/fixtures/duplicati/json-2.1-success.json"), "utf8"),
) as { Extra: Record<string, string> };

/** A report whose backup and machine names are as long as labels may be (and longer). */
function reportFor(i: number, nameLength: number): string {
  const name = `backup-${i}-`.padEnd(nameLength, "n");
  return JSON.stringify({
    ...template,
    Extra: { ...template.Extra, "backup-id": `DB-${i}`, "backup-name": name, "machine-name": name },
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/**
 * One client with at most CONCURRENCY connections, kept alive, as a well-behaved sender is: the
 * exporter serves at most 16 connections from one address and closes any more.
 */
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(exporter: DuplicatiExporter, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${exporter.server.url}/report?token=${TOKEN}`, { method: "POST", agent }, (res) => {
      res.resume();
      res.on("end", () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Reports per second for reports `from`..`to`, CONCURRENCY at a time, each answered once on disk. */
async function ingest(
  exporter: DuplicatiExporter,
  from: number,
  to: number,
  nameLength: number,
): Promise<number> {
  const start = performance.now();
  for (let i = from; i < to; i += CONCURRENCY) {
    const batch = Array.from({ length: Math.min(CONCURRENCY, to - i) }, (_, j) =>
      reportFor(i + j, nameLength),
    );
    await Promise.all(batch.map((body) => post(exporter, body)));
  }
  return (to - from) / ((performance.now() - start) / 1000);
}

/**
 * One scrape as Prometheus makes it (gzip asked for, read at once): the exposition's size in
 * bytes, uncompressed.
 */
function scrapeBytes(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { "Accept-Encoding": "gzip" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(gunzipSync(Buffer.concat(chunks)).length));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

async function scrapes(
  exporter: DuplicatiExporter,
  count: number,
): Promise<{ p50: number; p99: number; bytes: number }> {
  const latencies: number[] = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    // A report before each scrape makes every scrape rebuild the exposition: the worst case.
    await post(exporter, reportFor(i % 100, 32));
    const start = performance.now();
    bytes = await scrapeBytes(`${exporter.server.url}/metrics`);
    latencies.push(performance.now() - start);
  }
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), bytes };
}

async function withExporter<T>(
  maxBackups: number,
  run: (exporter: DuplicatiExporter) => Promise<T>,
): Promise<T> {
  const dir = tempDir("stackmon-bench-duplicati-");
  const exporter = await startDuplicatiExporter({
    listenAddress: "127.0.0.1:0",
    telemetryPath: "/metrics",
    token: TOKEN,
    stateDir: dir,
    config: { backups: [] },
    maxReportBytes: 1 << 20,
    limits: { ...DEFAULT_LIMITS, maxBackups },
    logger: createLogger("error", () => undefined),
  });
  try {
    return await run(exporter);
  } finally {
    await exporter.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows: [string, string][] = [["measure", "result"]];
  const rate = (r: number) => `${r.toFixed(0)} reports/s`;
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  const longest = DEFAULT_LIMITS.maxLabelLength;

  await withExporter(DEFAULT_LIMITS.maxBackups, async (exporter) => {
    rows.push([
      `ingest backups 1-1,000 (names of ${longest} characters)`,
      rate(await ingest(exporter, 0, 1000, longest)),
    ]);
    rows.push(["1,000 more past the cap: dropped", rate(await ingest(exporter, 1000, 2000, longest))]);
    const scrape = await scrapes(exporter, 50);
    rows.push(["scrape at the cap (1,000 backups): p50", ms(scrape.p50)]);
    rows.push(["scrape at the cap (1,000 backups): p99", ms(scrape.p99)]);
    rows.push([`exposition at the cap, labels of ${longest} characters`, kib(scrape.bytes)]);
    // Past the limit, a name a thousand times longer makes no longer a label.
    await ingest(exporter, 0, 1, 128_000);
    const after = await scrapes(exporter, 1);
    rows.push(["exposition after a report with 128,000-character names", kib(after.bytes)]);
  });

  await withExporter(10_000, async (exporter) => {
    const first = await ingest(exporter, 0, 1000, 32);
    await ingest(exporter, 1000, 9000, 32);
    const last = await ingest(exporter, 9000, 10_000, 32);
    rows.push(["--backups.max=10000: ingest backups 1-1,000", rate(first)]);
    rows.push(["--backups.max=10000: ingest backups 9,001-10,000", rate(last)]);
    rows.push([
      "--backups.max=10000: re-report 1,000 of 10,000 known",
      rate(await ingest(exporter, 0, 1000, 32)),
    ]);
    const scrape = await scrapes(exporter, 10);
    rows.push(["--backups.max=10000: scrape p50", ms(scrape.p50)]);
    rows.push(["--backups.max=10000: exposition", kib(scrape.bytes)]);
    rows.push([
      "--backups.max=10000: resident memory of the bench process",
      `${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
    ]);
  });

  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [measure, result] of rows) console.log(`${measure.padEnd(width)}  ${result}`);
}

await main();
agent.destroy();

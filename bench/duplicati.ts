// bench/duplicati: report ingest throughput and /metrics latency with 1,000 backups.
// Run with `npm run bench:duplicati`; prints a table.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startDuplicatiExporter } from "../src/exporters/duplicati/exporter.js";
import { createLogger } from "../src/lib/log.js";
import { REPO_ROOT, tempDir } from "../test/helpers/stackmon.js";

const TOKEN = "bench-token-0123456789abcdef";
const BACKUPS = 1000;
const template = JSON.parse(
  readFileSync(join(REPO_ROOT, "test/fixtures/duplicati/json-2.1-success.json"), "utf8"),
) as {
  Extra: Record<string, string>;
};

function reportFor(i: number): string {
  return JSON.stringify({
    ...template,
    Extra: { ...template.Extra, "backup-id": `DB-${i}`, "backup-name": `backup-${i}` },
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function main(): Promise<void> {
  const dir = tempDir("stackmon-bench-duplicati-");
  const exporter = await startDuplicatiExporter({
    listenAddress: "127.0.0.1:0",
    telemetryPath: "/metrics",
    token: TOKEN,
    stateDir: dir,
    config: { backups: [] },
    maxReportBytes: 1 << 20,
    logger: createLogger("error", () => undefined),
  });
  try {
    const url = `${exporter.server.url}/report?token=${TOKEN}`;
    const bodies = Array.from({ length: BACKUPS }, (_, i) => reportFor(i));
    const post = async (body: string) => {
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
      });
      await response.text();
      if (response.status !== 200) throw new Error(`status ${response.status}`);
    };
    const ingestStart = performance.now();
    for (let i = 0; i < bodies.length; i += 8) await Promise.all(bodies.slice(i, i + 8).map(post));
    const ingestSeconds = (performance.now() - ingestStart) / 1000;

    const latencies: number[] = [];
    let size = 0;
    for (let i = 0; i < 200; i++) {
      const start = performance.now();
      const text = await (await fetch(`${exporter.server.url}/metrics`)).text();
      latencies.push(performance.now() - start);
      size = text.length;
    }
    latencies.sort((a, b) => a - b);
    const rows = [
      ["measure", "result"],
      [
        `ingest ${BACKUPS} reports (8 concurrent, each persisted)`,
        `${(BACKUPS / ingestSeconds).toFixed(0)} reports/s`,
      ],
      [`scrape with ${BACKUPS} backups: p50`, `${percentile(latencies, 50).toFixed(1)} ms`],
      [`scrape with ${BACKUPS} backups: p99`, `${percentile(latencies, 99).toFixed(1)} ms`],
      ["exposition size", `${(size / 1024).toFixed(0)} KiB`],
    ];
    const width = Math.max(...rows.map((r) => r[0]?.length ?? 0));
    for (const [a, b] of rows) console.log(`${(a ?? "").padEnd(width)}  ${b ?? ""}`);
  } finally {
    await exporter.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

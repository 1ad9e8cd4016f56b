// bench/up: how long `stackmon up` takes to get every target up (cold and warm), and how long
// rendering a large config takes. Prints a table; run with `npm run bench:up`.
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { HOST_TARGET, parseStackConfig, renderStack } from "../src/stack.js";
import { freePorts } from "../test/helpers/ports.js";
import { REPO_ROOT, tempDir } from "../test/helpers/stackmon.js";

const TSX = import.meta.resolve("tsx");

interface UpTiming {
  readyMs: number;
  allUpMs: number;
}

/** Starts `up`, returns when it says every target is up, then stops it. */
async function timeUp(configFile: string, workDir: string): Promise<UpTiming> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      "--import",
      TSX,
      join(REPO_ROOT, "src/cli/main.ts"),
      "up",
      "-c",
      configFile,
      "--dir",
      workDir,
      "--no-install",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  let readyMs = 0;
  const allUpMs = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!readyMs && /^SERVICE\s+PID/m.test(output)) readyMs = performance.now() - started;
      if (/all targets up/.test(output)) resolve(performance.now() - started);
      if (/target not up/.test(output)) reject(new Error(`a target stayed down:\n${output}`));
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", () => reject(new Error(`up exited:\n${output}`)));
  });
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
  return { readyMs, allUpMs };
}

function largeConfig(targets: number, jobs: number): string {
  const lines = ["global: {hostname: bench}", "exporters:", "  blackbox:", "    targets:"];
  for (let i = 0; i < targets; i++) lines.push(`      - url: https://site-${i}.example.com/health`);
  lines.push("prometheus:", "  scrape_jobs:");
  for (let i = 0; i < jobs; i++) {
    lines.push(
      `    - name: app_${i}`,
      `      targets: ["10.0.${Math.floor(i / 250)}.${i % 250}:9100"]`,
      `      scrape_interval: ${(i % 4) + 1}m`,
    );
  }
  return lines.join("\n");
}

function timeRender(text: string, runs: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    renderStack(parseStackConfig(text, "bench.yml", {}), HOST_TARGET);
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const dir = tempDir("stackmon-bench-up-");
  try {
    const [prom, am, node, blackbox] = await freePorts(4);
    const configFile = join(dir, "stackmon.yml");
    writeFileSync(
      configFile,
      `global: {hostname: bench}
prometheus: {listen_address: "127.0.0.1:${prom}"}
alertmanager: {listen_address: "127.0.0.1:${am}"}
exporters:
  node: {listen_address: "127.0.0.1:${node}"}
  blackbox: {listen_address: "127.0.0.1:${blackbox}"}
`,
    );
    const workDir = join(dir, "work");
    const cold = await timeUp(configFile, workDir);
    const warm = await timeUp(configFile, workDir);
    const fastFile = join(dir, "fast.yml");
    writeFileSync(
      fastFile,
      `global: {scrape_interval: 5s, scrape_timeout: 5s}\n${readFileSync(configFile, "utf8")}`.replace(
        "global: {hostname: bench}\n",
        "",
      ),
    );
    const fast = await timeUp(fastFile, join(dir, "work-fast"));

    const text = largeConfig(1000, 100);
    const render = timeRender(text, 20);
    const median = render[Math.floor(render.length / 2)] ?? 0;
    const worst = render[render.length - 1] ?? 0;

    const rows = [
      ["measure", "result", "target"],
      ["up, cold: services ready", `${(cold.readyMs / 1000).toFixed(1)} s`, ""],
      ["up, cold: every target up", `${(cold.allUpMs / 1000).toFixed(1)} s`, "< 10 s"],
      ["up, warm: services ready", `${(warm.readyMs / 1000).toFixed(1)} s`, ""],
      ["up, warm: every target up", `${(warm.allUpMs / 1000).toFixed(1)} s`, "< 10 s"],
      ["up, cold, 5s scrape interval: every target up", `${(fast.allUpMs / 1000).toFixed(1)} s`, "< 10 s"],
      ["render 1,000 targets + 100 jobs (median of 20)", `${median.toFixed(0)} ms`, "< 1 s"],
      ["render 1,000 targets + 100 jobs (worst of 20)", `${worst.toFixed(0)} ms`, "< 1 s"],
    ];
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? [];
    console.log("stackmon up / render. 'Every target up' is bounded by Prometheus itself: it hands new");
    console.log(
      "targets to the scrapers on a 5 s tick and spreads first scrapes over one scrape interval.\n",
    );
    for (const row of rows) console.log(row.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  "));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

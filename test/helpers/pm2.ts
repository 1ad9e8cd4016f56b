// A real PM2 daemon under a temporary PM2_HOME, driven through PM2's own CLI.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, tempDir } from "./stackmon.js";

const PM2 = join(REPO_ROOT, "node_modules", ".bin", "pm2");

export interface TestPm2 {
  readonly home: string;
  readonly appsDir: string;
  /** Runs the pm2 CLI against this daemon; throws on failure. */
  run(args: readonly string[], env?: Record<string, string>): string;
  /** Writes a small app script and returns its path. */
  app(name: string, source: string): string;
  stop(): void;
}

export function startPm2(): TestPm2 {
  const dir = tempDir("stackmon-pm2-");
  const home = join(dir, "home");
  const appsDir = join(dir, "apps");
  mkdirSync(appsDir);
  const run = (args: readonly string[], env: Record<string, string> = {}) => {
    const result = spawnSync(PM2, [...args], {
      env: { ...process.env, PM2_HOME: home, ...env },
      encoding: "utf8",
      timeout: 60_000,
    });
    if (result.status !== 0)
      throw new Error(`pm2 ${args.join(" ")} failed: ${result.stderr}${result.stdout}`);
    return result.stdout;
  };
  return {
    home,
    appsDir,
    run,
    app: (name, source) => {
      const path = join(appsDir, `${name}.js`);
      writeFileSync(path, source);
      return path;
    },
    stop: () => {
      if (existsSync(join(home, "rpc.sock")))
        spawnSync(PM2, ["kill"], { env: { ...process.env, PM2_HOME: home }, timeout: 30_000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const HTTP_APP = `require("http").createServer((req, res) => res.end("ok")).listen(0, "127.0.0.1");\n`;
export const CRASHING_APP = `setTimeout(() => process.exit(1), 100);\n`;
/** Keeps a core busy about half of the time. */
export const BURNING_APP = `setInterval(() => { const end = Date.now() + 50; while (Date.now() < end); }, 100);\n`;

/** A metric name that needs every kind of escaping: quotes, a backslash and non-ASCII. */
export const AWKWARD_METRIC = 'Nutzer "aktiv" \\ Zähler ✓';

/**
 * An app publishing its own metrics with @pm2/io (the devDependency, by absolute path: the app
 * runs from a temporary directory): a gauge, a counter, a meter and a histogram, plus a text
 * value and a name with quotes, a backslash and non-ASCII. Values are fixed where @pm2/io allows.
 */
export const IO_APP = `const io = require(${JSON.stringify(join(REPO_ROOT, "node_modules", "@pm2", "io"))});
io.metric({ name: "Realtime users" }).set(42);
io.metric({ name: "Release" }).set("v1.4.0");
io.metric({ name: ${JSON.stringify(AWKWARD_METRIC)} }).set(7);
const jobs = io.counter({ name: "Jobs done" });
for (let i = 0; i < 5; i++) jobs.inc();
// A 1 ms timeframe: the meter shows the rate of its last 5-second tick alone (about 600 req/min).
const requests = io.meter({ name: "Requests", unit: "req/min", samples: 60, timeframe: 0.001 });
setInterval(() => requests.mark(), 100);
const queryTime = io.histogram({ name: "Query time", measurement: "max", unit: "ms" });
for (const ms of [10, 20, 30]) queryTime.update(ms);
`;

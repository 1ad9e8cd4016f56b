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

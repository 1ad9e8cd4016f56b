// What the CLI loads before it answers: `--help` none of the commands, `validate` neither the
// renderer, the dashboards, the Grafana SDK nor PM2. What it costs is measured by bench/cli.ts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { REPO_ROOT, runCli, tempDir } from "../helpers/stackmon.js";

const dir = tempDir("stackmon-startup-");
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every module `stackmon <args>` loads, as URLs or paths. */
function modulesLoadedBy(args: readonly string[], cwd: string): string[] {
  const trace = join(dir, `trace-${args.join("-").replace(/\W/g, "")}.txt`);
  const result = spawnSync(
    process.execPath,
    [
      "--import",
      import.meta.resolve("tsx"),
      "--import",
      join(REPO_ROOT, "test/helpers/moduleTrace.ts"),
      join(REPO_ROOT, "src/cli/main.ts"),
      ...args,
    ],
    { cwd, env: { ...process.env, STACKMON_MODULE_TRACE: trace }, encoding: "utf8" },
  );
  assert.equal(result.status, 0, result.stderr);
  return readFileSync(trace, "utf8").split("\n").filter(Boolean);
}

const matching = (modules: readonly string[], pattern: RegExp) => [
  ...new Set(modules.filter((m) => pattern.test(m))),
];

/** The command files of src/cli, by the name they declare. */
function commandFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const file of readdirSync(join(REPO_ROOT, "src/cli"))) {
    if (!file.endsWith(".ts") || file.endsWith(".test.ts")) continue;
    const text = readFileSync(join(REPO_ROOT, "src/cli", file), "utf8");
    const name = /^export const \w+: Command = \{\n\s+name: "([\w-]+)"/m.exec(text)?.[1];
    if (name) files.set(name, file);
  }
  return files;
}

describe("what the CLI loads", () => {
  it("--help names every command of src/cli and loads none of them, nor zod or yaml", () => {
    const help = runCli(["--help"]);
    assert.equal(help.status, 0);
    for (const name of commandFiles().keys()) assert.match(help.stdout, new RegExp(`^  ${name} `, "m"), name);
    const loaded = modulesLoadedBy(["--help"], dir);
    assert.deepEqual(matching(loaded, /\/src\/cli\/(?!main\.ts|command\.ts)|node_modules\/(zod|yaml)\//), []);
  });

  it("every command's own --help answers", () => {
    for (const name of commandFiles().keys()) {
      const result = runCli([name, "--help"]);
      assert.equal(result.status, 0, `${name}: ${result.stderr}`);
      assert.match(result.stdout, new RegExp(`^Usage: stackmon ${name}`), name);
    }
  });

  it("validate loads neither the renderer, any dashboard, the Grafana SDK nor PM2", () => {
    assert.equal(runCli(["init"], { cwd: dir }).status, 0);
    const loaded = modulesLoadedBy(["validate"], dir);
    assert.ok(
      loaded.some((m) => m.includes("node_modules/zod/")),
      "the trace sees what validate needs",
    );
    assert.deepEqual(
      matching(
        loaded,
        /\/render\/render\.ts|\/dashboards|grafana-foundation-sdk|node_modules\/pm2\/|prom-client/,
      ),
      [],
    );
  });

  it("render builds the dashboards: the trace sees what is loaded lazily", () => {
    const loaded = modulesLoadedBy(["render", "--out", join(dir, "out")], dir);
    assert.ok(matching(loaded, /grafana-foundation-sdk/).length > 0, "the SDK, required on first use");
    assert.ok(matching(loaded, /\/components\/node\/dashboards\.ts/).length > 0);
  });
});

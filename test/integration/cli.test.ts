// The CLI as a user meets it: init, validate, render, schema, and what bad input does.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { REPO_ROOT, runCli, tempDir } from "../helpers/stackmon.js";

const dirs: string[] = [];
function workspace(): string {
  const dir = tempDir("stackmon-cli-");
  dirs.push(dir);
  return dir;
}
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("stackmon CLI", () => {
  it("init writes a commented config and its JSON Schema, which validate accepts", () => {
    const dir = workspace();
    const init = runCli(["init"], { cwd: dir });
    assert.equal(init.status, 0, init.stderr);
    const text = readFileSync(join(dir, "stackmon.yml"), "utf8");
    assert.match(text, /^# yaml-language-server: \$schema=\.\/stackmon\.schema\.json/);
    const schema = JSON.parse(readFileSync(join(dir, "stackmon.schema.json"), "utf8")) as {
      properties: Record<string, unknown>;
      additionalProperties: boolean;
    };
    assert.ok(schema.properties["exporters"] && schema.properties["prometheus"]);
    assert.equal(schema.additionalProperties, false, "unknown keys are errors for editors too");
    const validate = runCli(["validate"], { cwd: dir });
    assert.equal(validate.status, 0, validate.stderr);
    assert.match(validate.stdout, /stackmon\.yml: ok/);
  });

  it("init refuses to overwrite an existing config without --force, and -c picks the file", () => {
    const dir = workspace();
    assert.equal(runCli(["init", "-c", "custom.yml"], { cwd: dir }).status, 0);
    assert.ok(existsSync(join(dir, "custom.yml")));
    const again = runCli(["init", "-c", "custom.yml"], { cwd: dir });
    assert.equal(again.status, 1);
    assert.match(again.stderr, /custom\.yml already exists/);
  });

  it("validate prints every problem with file:line:col and exits 1, without a stack trace", () => {
    const dir = workspace();
    writeFileSync(
      join(dir, "stackmon.yml"),
      "exporters:\n  blackbox:\n    targets:\n      - url: ftp://x.example.com\n  nodes: {}\n",
    );
    const result = runCli(["validate"], { cwd: dir });
    assert.equal(result.status, 1);
    assert.deepEqual(result.stderr.trim().split("\n").slice(0, 2), [
      "stackmon.yml:4:14: exporters.blackbox.targets[0].url: must be an http(s) URL",
      "stackmon.yml:5:3: exporters.nodes: unknown key (check the spelling; `stackmon schema` lists every key)",
    ]);
    assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/);
  });

  it("validate ends an alias bomb as file: message and exit 1, without a stack trace", () => {
    const dir = workspace();
    const levels = "abcdefghi".split("");
    const lines = levels.map((name, i) =>
      i === 0
        ? `a: &a [${Array(9).fill("lol").join(", ")}]`
        : `${name}: &${name} [${Array(9)
            .fill(`*${levels[i - 1]}`)
            .join(", ")}]`,
    );
    writeFileSync(join(dir, "stackmon.yml"), `${lines.join("\n")}\n`);
    const result = runCli(["validate"], { cwd: dir });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^stackmon\.yml: its aliases expand to more than 100 times/);
    assert.doesNotMatch(result.stderr, /ReferenceError|\n\s+at /);
  });

  it("verify --help and docs/install.md name the Watchdog check", () => {
    const help = runCli(["verify", "--help"]);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Watchdog alert arrived in Alertmanager/);
    const docs = readFileSync(join(REPO_ROOT, "docs/install.md"), "utf8");
    const section = docs.slice(docs.indexOf("## What verify checks"), docs.indexOf("## Hardening"));
    assert.match(section, /`Watchdog` alert evaluated by Prometheus and present in Alertmanager/);
  });

  it("render lays out every file as on the host, secrets masked, and is byte-identical on re-render", () => {
    const dir = workspace();
    writeFileSync(
      join(dir, "stackmon.yml"),
      "exporters:\n  mysql:\n    enabled: true\n    password_file: /nonexistent/secret\n",
    );
    const first = runCli(["render", "--out", "a"], { cwd: dir });
    assert.equal(first.status, 0, first.stderr);
    assert.equal(runCli(["render", "--out", "b"], { cwd: dir }).status, 0);
    for (const path of [
      "etc/prometheus/prometheus.yml",
      "etc/alertmanager/alertmanager.yml",
      "etc/stackmon/blackbox-exporter/blackbox.yml",
      "etc/systemd/system/prometheus.service",
      "etc/stackmon/mysqld-exporter/my.cnf",
    ]) {
      assert.equal(
        readFileSync(join(dir, "a", path), "utf8"),
        readFileSync(join(dir, "b", path), "utf8"),
        path,
      );
    }
    const cnf = readFileSync(join(dir, "a", "etc/stackmon/mysqld-exporter/my.cnf"), "utf8");
    assert.match(cnf, /password=<secret: exporters\.mysql\.password_file \(\/nonexistent\/secret\)>/);
  });

  it("render writes nothing when the config is invalid", () => {
    const dir = workspace();
    writeFileSync(join(dir, "stackmon.yml"), "prometheus:\n  retention: forever\n");
    const result = runCli(["render", "--out", "out"], { cwd: dir });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /stackmon\.yml:2:14: prometheus\.retention: must be a Prometheus duration/);
    assert.ok(!existsSync(join(dir, "out")), "no output directory");
  });

  it("up names a missing secret file and the key that references it, and starts nothing", () => {
    const dir = workspace();
    writeFileSync(
      join(dir, "stackmon.yml"),
      "exporters:\n  mysql:\n    enabled: true\n    listen_address: 127.0.0.1:1\n    password_file: /nonexistent/mysql.password\n",
    );
    const result = runCli(["up", "--dir", "work", "--no-install"], { cwd: dir });
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      /exporters\.mysql\.password_file: cannot read secret file \/nonexistent\/mysql\.password \(ENOENT\)/,
    );
    assert.doesNotMatch(result.stderr + result.stdout, /started service/);
    assert.ok(!existsSync(join(dir, "work", "etc")), "nothing rendered into the work directory");
  });

  it("up refuses an invalid config before writing or starting anything", () => {
    const dir = workspace();
    writeFileSync(join(dir, "stackmon.yml"), "exporters:\n  node:\n    listen_address: 127.0.0.1:9090\n");
    const result = runCli(["up", "--dir", "work"], { cwd: dir });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /port 9090 .* already used by prometheus/);
    assert.ok(!existsSync(join(dir, "work")));
  });

  it("every command answers --help", () => {
    const help = runCli(["--help"]);
    assert.equal(help.status, 0);
    const names = [...help.stdout.matchAll(/^ {2}([a-z-]+) {2,}/gm)].map((m) => m[1] ?? "");
    assert.ok(names.includes("up") && names.includes("validate"), help.stdout);
    for (const name of names) {
      const result = runCli([name, "--help"]);
      assert.equal(result.status, 0, `${name} --help`);
      assert.match(result.stdout, new RegExp(`^Usage: stackmon ${name}`), name);
    }
  });

  it("an unknown command or flag is a user error", () => {
    assert.equal(runCli(["frobnicate"]).status, 1);
    const flag = runCli(["validate", "--frobnicate"]);
    assert.equal(flag.status, 1);
    assert.match(flag.stderr, /frobnicate/);
  });

  it("schema prints the JSON Schema", () => {
    const result = runCli(["schema"]);
    assert.equal(result.status, 0);
    const schema = JSON.parse(result.stdout) as { title: string };
    assert.equal(schema.title, "stackmon.yml");
  });
});

describe("stackmon up refusing to start", () => {
  it("names a port another program already holds, and starts nothing", async () => {
    const { createServer } = await import("node:net");
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, "127.0.0.1", r));
    const address = squatter.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const dir = workspace();
      writeFileSync(
        join(dir, "stackmon.yml"),
        `exporters:\n  node:\n    listen_address: 127.0.0.1:${port}\n`,
      );
      const result = runCli(["up", "--dir", "work", "--no-install"], { cwd: dir });
      assert.equal(result.status, 1);
      assert.match(result.stderr, new RegExp(`port ${port} \\(node\\) is already in use by another program`));
      assert.doesNotMatch(result.stderr, /started service/);
    } finally {
      squatter.close();
    }
  });
});

// plan and apply --root DIR through the CLI, with the real validators: the files laid out for
// review, exit codes for CI and cron, secrets masked, a rejected candidate leaving DIR as it was.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/stackmon.js";

const PASSWORD = "review-password-never-shown";

describe("apply --root DIR and plan", () => {
  let dir: string;
  let root: string;
  let config: string;
  let passwordFile: string;

  const write = (text: string) => writeFileSync(config, text);
  const baseConfig = () => `exporters:
  blackbox:
    targets: [{url: "https://shop.example.com"}]
  node:
    web:
      basic_auth: {username: prometheus, password_file: ${passwordFile}}
`;

  before(() => {
    dir = tempDir("stackmon-apply-root-");
    root = join(dir, "root");
    config = join(dir, "stackmon.yml");
    passwordFile = join(dir, "node.password");
    writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    write(baseConfig());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("plan on an empty directory lists every file, masks secrets, and exits 2", () => {
    const plan = runCli(["plan", "-c", config, "--root", root]);
    assert.equal(plan.status, 2, plan.stderr);
    assert.match(plan.stdout, /\+ \/etc\/prometheus\/prometheus\.yml/);
    assert.match(plan.stdout, /<secret: exporters\.node\.web\.basic_auth\.password_file/);
    assert.ok(!plan.stdout.includes(PASSWORD));
    const json = runCli(["plan", "-c", config, "--root", root, "--json"]);
    assert.equal(json.status, 2);
    const parsed = JSON.parse(json.stdout) as { changes: { type: string }[]; services: unknown[] };
    assert.ok(parsed.changes.some((c) => c.type === "unit"));
    assert.deepEqual(parsed.services, [], "a directory has no services");
    assert.ok(!json.stdout.includes(PASSWORD));
  });

  it("apply lays the files out with their modes; plan then exits 0 and a re-apply changes nothing", () => {
    // Candidates left behind by a killed run hold secrets: the next run clears them.
    const stale = join(root, "var/lib/stackmon/staging/999999-dead");
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, "node.password"), PASSWORD);
    const applied = runCli(["apply", "-c", config, "--root", root]);
    assert.ok(!existsSync(stale), "the killed run's candidates are gone");
    assert.equal(applied.status, 0, applied.stderr);
    assert.match(
      readFileSync(join(root, "etc/systemd/system/prometheus.service"), "utf8"),
      /ProtectSystem=strict/,
    );
    assert.equal(statSync(join(root, "etc/prometheus/secrets/node.password")).mode & 0o777, 0o640);
    assert.equal(readFileSync(join(root, "etc/prometheus/secrets/node.password"), "utf8"), PASSWORD);
    const plan = runCli(["plan", "-c", config, "--root", root]);
    assert.equal(plan.status, 0, plan.stdout);
    assert.match(plan.stdout, /No changes/);
    const again = runCli(["apply", "-c", config, "--root", root]);
    assert.equal(again.status, 0);
    assert.match(again.stdout, /No changes/);
  });

  it("a candidate promtool rejects leaves the directory as it was", () => {
    const live = readFileSync(join(root, "etc/prometheus/prometheus.yml"), "utf8");
    write(
      // A duration past what Prometheus can hold (about 292 years): left to promtool to refuse.
      `${baseConfig()}prometheus:\n  scrape_jobs:\n    - {name: broken, targets: ["127.0.0.1:1"], scrape_interval: 300y}\n`,
    );
    const applied = runCli(["apply", "-c", config, "--root", root]);
    assert.equal(applied.status, 1);
    assert.match(applied.stderr, /\/etc\/prometheus\/prometheus\.yml was rejected by promtool/);
    assert.match(applied.stderr, /duration out of range/);
    assert.equal(readFileSync(join(root, "etc/prometheus/prometheus.yml"), "utf8"), live);
    write(baseConfig());
  });

  it("plan shows a changed target as a diff and exits 2", () => {
    write(baseConfig().replace("shop.example.com", "shop2.example.com"));
    const plan = runCli(["plan", "-c", config, "--root", root]);
    assert.equal(plan.status, 2);
    assert.match(plan.stdout, /-\s+- https:\/\/shop\.example\.com\n\s+\+\s+- https:\/\/shop2\.example\.com/);
    write(baseConfig());
  });

  it(
    "without --root, plan and apply insist on root",
    { skip: process.getuid?.() === 0 ? "running as root" : false },
    () => {
      const plan = runCli(["plan", "-c", config]);
      assert.equal(plan.status, 1);
      assert.match(plan.stderr, /run it as root/);
    },
  );
});

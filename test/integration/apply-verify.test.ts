// stackmon verify against a running stack (here one run by `stackmon up`, no systemd needed):
// the table and JSON, exit 0 when every check passes, 2 with the failing check named when an
// exporter goes away, and 401 for a protected endpoint asked without credentials.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePorts } from "../helpers/ports.js";
import { runCli, startUp, tempDir, type UpProcess } from "../helpers/stackmon.js";

interface VerifyJson {
  readonly passed: boolean;
  readonly checks: readonly { check: string; status: string; detail: string }[];
}

describe("stackmon verify", () => {
  let up: UpProcess;
  let dir: string;
  let config: string;

  before(async () => {
    dir = tempDir("stackmon-verify-");
    const [prom, am, node, blackbox] = await freePorts(4);
    const passwordFile = join(dir, "node.password");
    writeFileSync(passwordFile, "verify-node-password\n", { mode: 0o600 });
    const text = `global: {hostname: verify, scrape_interval: 2s, scrape_timeout: 1s}
prometheus: {listen_address: "127.0.0.1:${prom}"}
alertmanager: {listen_address: "127.0.0.1:${am}"}
exporters:
  node:
    listen_address: "127.0.0.1:${node}"
    web: {basic_auth: {username: prometheus, password_file: "${passwordFile}"}}
  blackbox: {listen_address: "127.0.0.1:${blackbox}"}
`;
    config = join(dir, "stackmon.yml");
    writeFileSync(config, text);
    up = await startUp(text, { args: ["--wait", "30s"] });
  });

  after(async () => {
    await up?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("passes on a healthy stack: services answer, targets up, Alertmanager connected, auth in force", () => {
    const result = runCli(["verify", "-c", config, "--wait", "30s", "--json"]);
    assert.equal(result.status, 0, result.stdout);
    const { passed, checks } = JSON.parse(result.stdout) as VerifyJson;
    assert.equal(passed, true);
    const byName = (prefix: string) => checks.filter((c) => c.check.startsWith(prefix));
    assert.deepEqual(
      byName("target ").map((c) => [c.check.split(" ")[1], c.status]),
      [
        ["alertmanager", "ok"],
        ["blackbox", "ok"],
        ["node", "ok"],
        ["prometheus", "ok"],
      ],
    );
    assert.equal(byName("alertmanager ")[0]?.status, "ok");
    assert.match(byName("endpoint node ")[0]?.detail ?? "", /refuses a request without credentials \(401\)/);
    assert.match(byName("endpoint blackbox ")[0]?.detail ?? "", /open, as configured/);
  });

  it("prints a table people can read", () => {
    const result = runCli(["verify", "-c", config]);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^CHECK\s+STATUS\s+DETAIL$/m);
    assert.match(result.stdout, /^prometheus ready\s+OK\s+/m);
    assert.match(result.stdout, /All \d+ checks passed\./);
  });

  it("exits 2 and names what failed when an exporter is gone", () => {
    const blackbox = /blackbox\s+(\d+)/.exec(up.output());
    assert.ok(blackbox, "up printed the blackbox exporter's pid");
    process.kill(Number(blackbox[1]), "SIGSTOP");
    try {
      const result = runCli(["verify", "-c", config, "--json"]);
      assert.equal(result.status, 2, result.stdout);
      const { passed, checks } = JSON.parse(result.stdout) as VerifyJson;
      assert.equal(passed, false);
      const failed = checks.filter((c) => c.status === "fail").map((c) => c.check);
      assert.ok(
        failed.some((c) => c.startsWith("service prometheus-blackbox-exporter.service")),
        failed.join(", "),
      );
    } finally {
      process.kill(Number(blackbox[1]), "SIGCONT");
    }
  });
});

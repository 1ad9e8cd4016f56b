// plan on a host where someone hand-edited a file that holds secrets: the diff withholds every
// line stackmon would not write, so a secret typed in by hand never reaches the terminal or CI.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/stackmon.js";

describe("plan after a hand edit of a file that holds secrets", () => {
  const dir = tempDir("stackmon-plan-hand-edit-");
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("withholds the edited lines, whatever they look like", () => {
    const passwordFile = join(dir, "node.password");
    writeFileSync(passwordFile, "stackmon-managed-password\n", { mode: 0o600 });
    const config = join(dir, "stackmon.yml");
    writeFileSync(
      config,
      `grafana: {enabled: false}\nexporters:\n  node:\n    web:\n      basic_auth: {username: prometheus, password_file: ${passwordFile}}\n`,
    );
    const root = join(dir, "root");
    assert.equal(runCli(["apply", "-c", config, "--root", root]).status, 0);
    const webConfig = join(root, "etc/stackmon/node-exporter/web-config.yml");
    const text = readFileSync(webConfig, "utf8");
    // An operator added a second user by hand, with a plain password in a comment for later.
    writeFileSync(
      webConfig,
      `# ops: the old one was handmade-secret-1\n${text}  ops: "$2y$04$${"h".repeat(53)}"\n`,
    );
    const plan = runCli(["plan", "-c", config, "--root", root]);
    assert.equal(plan.status, 2, plan.stderr);
    assert.match(plan.stdout, /web-config\.yml/);
    assert.match(plan.stdout, /line withheld: this file holds secrets/);
    for (const secret of ["handmade-secret-1", "h".repeat(53), "stackmon-managed-password"])
      assert.ok(!plan.stdout.includes(secret) && !plan.stderr.includes(secret), `plan shows ${secret}`);
  });
});

// apply --root DIR on a real filesystem: a directory apply creates gets its own restrictive mode,
// the parents it has to create are 0755 whatever the umask, so services reach their configs; a
// temporary file a killed run left behind is removed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { REPO_ROOT, tempDir } from "../helpers/stackmon.js";

describe("apply --root DIR creates directories", () => {
  const dir = tempDir("stackmon-root-dirs-");
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("0755 for the parents it creates and the restrictive mode for the directory only, under umask 027", () => {
    const passwordFile = join(dir, "node.password");
    writeFileSync(passwordFile, "parents-password\n", { mode: 0o600 });
    const config = join(dir, "stackmon.yml");
    writeFileSync(
      config,
      `grafana: {enabled: false}\nexporters:\n  node:\n    web:\n      basic_auth: {username: prometheus, password_file: ${passwordFile}}\n`,
    );
    const root = join(dir, "root");
    const result = spawnSync(
      "sh",
      [
        "-c",
        'umask 027 && exec "$@"',
        "sh",
        process.execPath,
        "--import",
        import.meta.resolve("tsx"),
        join(REPO_ROOT, "src/cli/main.ts"),
        "apply",
        "-c",
        config,
        "--root",
        root,
      ],
      { encoding: "utf8" },
    );
    assert.equal(result.status, 0, result.stderr);
    const mode = (path: string) => statSync(join(root, path)).mode & 0o7777;
    assert.equal(mode("/etc/stackmon/node-exporter"), 0o750);
    assert.equal(mode("/etc/stackmon"), 0o755, "the parent apply created");
    assert.equal(mode("/etc"), 0o755);
  });

  it("removes the temporary file a killed run left beside a file it writes again", () => {
    const root = join(dir, "root");
    const leftover = join(root, "etc/prometheus/.prometheus.yml.stackmon-999999-0badf00d");
    const olderLeftover = join(root, "etc/prometheus/.prometheus.yml.stackmon-0badf00d");
    writeFileSync(leftover, "half a config, maybe a secret");
    writeFileSync(olderLeftover, "from an older version");
    writeFileSync(join(root, "etc/prometheus/prometheus.yml"), "edited by hand, so apply writes it again\n");
    const result = spawnSync(
      process.execPath,
      [
        "--import",
        import.meta.resolve("tsx"),
        join(REPO_ROOT, "src/cli/main.ts"),
        "apply",
        "-c",
        join(dir, "stackmon.yml"),
        "--root",
        root,
      ],
      { encoding: "utf8" },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(
      readdirSync(join(root, "etc/prometheus")).filter((f) => f.includes(".stackmon-")),
      [],
      "no temporary file is left",
    );
  });
});

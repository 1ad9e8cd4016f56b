// The mysql exporter's least-privilege database user, created by apply's provisioning step on a
// real MariaDB: exactly PROCESS, REPLICATION CLIENT and SELECT, at most 3 connections, and the
// password kept in the exporter's my.cnf. A rotated password makes the step due again.
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { provisioningInPlace, runProvisioningStep } from "../../src/host/provisioning.js";
import { localCommands } from "../../src/host/runCommand.js";
import { readSecret } from "../../src/lib/secrets.js";
import type { ProvisioningStep } from "../../src/render/desiredState.js";
import { resolvedText } from "../../src/render/fileContent.js";
import { parseStackConfig, renderStack } from "../../src/stack.js";
import { startMariaDb, type TestMariaDb } from "../helpers/mariadb.js";
import { tempDir } from "../helpers/stackmon.js";

describe("the mysql exporter's own database user", () => {
  let db: TestMariaDb;
  let dir: string;
  let passwordFile: string;

  before(async () => {
    db = await startMariaDb();
    dir = tempDir("stackmon-mysql-user-");
    passwordFile = join(dir, "exporter.password");
  });
  after(async () => {
    await db?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Renders the stack with create_user and lays the exporter's my.cnf out under `dir`. */
  function provisioning(password: string): ProvisioningStep {
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    const config = parseStackConfig(
      `exporters:\n  mysql: {enabled: true, create_user: true, user: stackmon_it, socket: "${db.socket}", password_file: "${passwordFile}"}\n`,
      "stackmon.yml",
      {},
    );
    const state = renderStack(config, { root: dir, platform: "systemd" });
    for (const file of state.files.filter((f) => f.path.endsWith("/my.cnf"))) {
      mkdirSync(join(dir, file.path, ".."), { recursive: true });
      writeFileSync(
        join(dir, file.path),
        resolvedText(file.content, (ref) => readSecret(ref)),
        { mode: 0o600 },
      );
    }
    const step = state.services
      .flatMap((s) => s.provisioning ?? [])
      .find((p) => p.id === "mysql-exporter-user");
    assert.ok(step, "create_user adds a provisioning step");
    return step;
  }

  const inPlace = (step: ProvisioningStep) => provisioningInPlace(localCommands, step);

  it("is created with exactly the exporter's privileges and 3 connections at most", async () => {
    const step = provisioning("first 'pass' \\ word");
    assert.equal(await inPlace(step), false, "not there before");
    await runProvisioningStep(localCommands, step, (ref) => readSecret(ref));
    assert.equal(await inPlace(step), true, "its check logs in with the exporter's my.cnf");
    for (const host of ["localhost", "127.0.0.1"]) {
      const grants = db.sql(`SHOW GRANTS FOR 'stackmon_it'@'${host}'`);
      assert.match(grants, /GRANT SELECT, PROCESS, BINLOG MONITOR, SLAVE MONITOR ON \*\.\*/);
      assert.match(grants, /MAX_USER_CONNECTIONS 3/);
      assert.doesNotMatch(grants, /ALL PRIVILEGES|GRANT OPTION/);
    }
  });

  it("running it again changes nothing, and a privilege added by hand is taken away", async () => {
    const step = provisioning("first 'pass' \\ word");
    db.sql("GRANT INSERT ON *.* TO 'stackmon_it'@'localhost'");
    await runProvisioningStep(localCommands, step, (ref) => readSecret(ref));
    assert.doesNotMatch(db.sql("SHOW GRANTS FOR 'stackmon_it'@'localhost'"), /INSERT/);
    assert.equal(await inPlace(step), true);
  });

  it("a rotated password is due again and works once the step has run", async () => {
    const step = provisioning("second-password");
    assert.equal(await inPlace(step), false, "the server still has the old password");
    await runProvisioningStep(localCommands, step, (ref) => readSecret(ref));
    assert.equal(await inPlace(step), true);
  });

  it("a failure is reported without the password in it", async () => {
    const step = provisioning("secret-that-must-not-leak");
    const secret = step.run.input.find((part) => typeof part !== "string");
    assert.ok(secret);
    // The server quotes the statement around a syntax error, password included.
    const broken: ProvisioningStep = { ...step, run: { ...step.run, input: ["SELEC ", secret, ";\n"] } };
    await assert.rejects(
      runProvisioningStep(localCommands, broken, (ref) => readSecret(ref)),
      (error: Error) => {
        assert.match(error.message, /MySQL user stackmon_it .*failed/);
        assert.match(error.message, /syntax.*<secret>/s, "the server's message is kept, the value is not");
        assert.ok(!error.message.includes("secret-that-must-not-leak"));
        return true;
      },
    );
  });
});

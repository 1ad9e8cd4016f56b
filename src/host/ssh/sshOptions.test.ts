import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { UserError } from "../../config/configError.js";
import {
  checkDestination,
  defaultTimeouts,
  ENFORCED_OPTIONS,
  parseEffectiveConfig,
  SshCommandLines,
  type SshTarget,
} from "./sshOptions.js";

const work = mkdtempSync(join(tmpdir(), "stackmon-ssh-options-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** What the real OpenSSH client makes of a config file for a destination (no connection). */
function effective(
  configText: string,
  extra: readonly string[] = [],
  destination = "web1",
): Map<string, string> {
  const file = join(work, `config-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, configText);
  const result = spawnSync("ssh", ["-G", "-F", file, ...extra, "--", destination], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return parseEffectiveConfig(result.stdout);
}

const target: SshTarget = { name: "web1", destination: "deploy@10.0.0.11" };

describe("ssh command lines", () => {
  it("time limits are added only where the user's configuration sets none", () => {
    assert.deepEqual(defaultTimeouts(effective("")), [
      "ConnectTimeout=15",
      "ServerAliveInterval=5",
      "ServerAliveCountMax=3",
    ]);
    assert.deepEqual(
      defaultTimeouts(effective("Host web1\n  ConnectTimeout 3\n  ServerAliveInterval 30\n")),
      [],
    );
    assert.deepEqual(defaultTimeouts(effective("Host other\n  ConnectTimeout 3\n")), [
      "ConnectTimeout=15",
      "ServerAliveInterval=5",
      "ServerAliveCountMax=3",
    ]);
  });

  it("the safety options win over a user's configuration that says otherwise", () => {
    const lax =
      "Host *\n  StrictHostKeyChecking no\n  BatchMode no\n  ForwardAgent yes\n  LocalForward 8080 localhost:80\n";
    const lines = new SshCommandLines(target, "/tmp/x/control", []);
    const options = lines.command("true").slice(1, -3);
    const config = effective(lax, options, target.destination);
    assert.equal(config.get("stricthostkeychecking"), "true");
    assert.equal(config.get("batchmode"), "yes");
    assert.equal(config.get("forwardagent"), "no");
    assert.equal(config.get("clearallforwardings"), "yes");
    assert.equal(config.get("controlpath"), "/tmp/x/control");
  });

  it("the user's own settings are kept: user, port, identity, jump host", () => {
    const mine =
      "Host web1\n  HostName 10.0.0.11\n  User deploy\n  Port 2222\n  IdentityFile ~/.ssh/deploy\n  ProxyJump bastion\n";
    const lines = new SshCommandLines({ name: "web1", destination: "web1" }, "/tmp/x/control", []);
    const config = effective(mine, lines.command("true").slice(1, -3), "web1");
    assert.equal(config.get("hostname"), "10.0.0.11");
    assert.equal(config.get("user"), "deploy");
    assert.equal(config.get("port"), "2222");
    assert.equal(config.get("proxyjump"), "bastion");
    assert.match(config.get("identityfile") ?? "", /\.ssh\/deploy$/);
  });

  it("a port from the inventory wins over the user's configuration", () => {
    const lines = new SshCommandLines({ ...target, destination: "web1", port: 2200 }, "/tmp/x/control", []);
    const config = effective("Host web1\n  Port 2222\n", lines.command("true").slice(1, -3), "web1");
    assert.equal(config.get("port"), "2200");
    assert.deepEqual(SshCommandLines.effectiveConfig({ ...target, port: 2200 }).slice(0, 4), [
      "ssh",
      "-G",
      "-p",
      "2200",
    ]);
  });

  it("every run ends its options with -- before the destination", () => {
    const lines = new SshCommandLines({ ...target, configFile: "/etc/lab/ssh_config" }, "/tmp/x/control", []);
    const command = lines.command("id -u");
    assert.deepEqual(command.slice(-3), ["--", "deploy@10.0.0.11", "id -u"]);
    assert.deepEqual(command.slice(0, 3), ["ssh", "-F", "/etc/lab/ssh_config"]);
    for (const option of ENFORCED_OPTIONS) assert.ok(command.includes(option), option);
    assert.deepEqual(lines.master().slice(-4), ["-N", "-f", "--", "deploy@10.0.0.11"]);
    assert.ok(lines.master().includes("ControlMaster=yes"));
    assert.ok(command.includes("ControlMaster=no"));
    assert.deepEqual(lines.control("exit").slice(-4), ["-O", "exit", "--", "deploy@10.0.0.11"]);
  });

  it("a wrapper runs ssh under it", () => {
    const lines = new SshCommandLines({ ...target, wrapper: ["ip", "netns", "exec", "lan"] }, "/c", []);
    assert.deepEqual(lines.command("true").slice(0, 5), ["ip", "netns", "exec", "lan", "ssh"]);
    assert.deepEqual(SshCommandLines.effectiveConfig({ ...target, wrapper: ["w"] }), [
      "w",
      "ssh",
      "-G",
      "--",
      "deploy@10.0.0.11",
    ]);
  });

  it("a % in the control directory is not read as a token", () => {
    const lines = new SshCommandLines(target, "/tmp/100%/control", []);
    assert.ok(lines.command("true").includes("ControlPath=/tmp/100%%/control"));
  });

  it("a destination that ssh would read as an option is refused", () => {
    for (const destination of ["-oProxyCommand=touch /tmp/x", "", "a b", "host\nx", "-p"]) {
      assert.throws(
        () => checkDestination({ name: "web1", destination }),
        (error: unknown) =>
          error instanceof UserError && /web1: .* is not an SSH destination/.test(error.message),
        destination,
      );
    }
    for (const destination of ["root@10.0.0.5", "db1.internal", "ssh://admin@mon1:2222", "[::1]"])
      assert.doesNotThrow(() => checkDestination({ name: "h", destination }));
  });
});

// The fleet lab the fleet tests stand on: booted Debian hosts on the test's own network, reached
// over SSH with the test's keys from the LAN namespace, installing Debian packages from the lab's
// own repository, and dropping off the network when cut off.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cannotBootReason, isAlive, writeRecord } from "./container.js";
import { FleetLab, removeLeftoverLabs } from "./fleet/fleetLab.js";
import {
  ensureFleetRootfs,
  NO_SUDO_USER,
  REPOSITORY_PACKAGES,
  repositoryPackageNames,
  SUDO_USER,
} from "./fleet/fleetRootfs.js";

const skipReason = cannotBootReason();
if (skipReason) console.log(`fleet lab skipped: this machine cannot boot containers (${skipReason})`);

const HOSTS = ["mon1", "web1", "db1"];

function namespaces(): string[] {
  return spawnSync("ip", ["netns", "list"], { encoding: "utf8" })
    .stdout.split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter(Boolean);
}

describe("the fleet lab", { skip: skipReason ?? false }, () => {
  let lab: FleetLab;

  before(async () => {
    ensureFleetRootfs((line) => console.log(`fleet rootfs: ${line}`));
    const started = Date.now();
    lab = await FleetLab.start({ hosts: HOSTS, log: (line) => console.log(`lab: ${line}`) });
    console.log(`lab: network, repository and ${HOSTS.length} hosts up in ${Date.now() - started} ms`);
  });

  after(async () => {
    const started = Date.now();
    await lab?.close();
    console.log(`lab: torn down in ${Date.now() - started} ms`);
    const left = namespaces().filter((name) => name.startsWith("stackmon-lab"));
    assert.deepEqual(left, [], "the lab's namespaces are gone");
  });

  it("every host answers ssh in BatchMode from the LAN namespace, with its own host key", async () => {
    for (const host of HOSTS) {
      const result = await lab.ssh(host, "hostname; id -un");
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout, `${host}\nroot\n`);
    }
    const keys = new Set(
      spawnSync("ssh-keygen", ["-l", "-f", lab.knownHosts], { encoding: "utf8" })
        .stdout.split("\n")
        .filter(Boolean)
        .map((line) => line.split(" ")[1]),
    );
    assert.equal(keys.size, HOSTS.length, "no two hosts share a host key");
  });

  it("the sudo user becomes root with sudo -n; the other user is refused", async () => {
    const sudo = await lab.ssh("web1", "sudo -n id -un", { user: SUDO_USER });
    assert.equal(sudo.status, 0, sudo.stderr);
    assert.equal(sudo.stdout, "root\n");
    const refused = await lab.ssh("web1", "sudo -n id -un", { user: NO_SUDO_USER });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /a password is required/);
  });

  it("a host whose key is not in known_hosts is refused", async () => {
    const empty = join(lab.dir, "known_hosts-empty");
    writeFileSync(empty, "");
    const result = await lab.lanExec("ssh", [
      "-F",
      lab.sshConfigWith({ knownHosts: empty }),
      `root@${lab.host("db1").address}`,
      "true",
    ]);
    assert.equal(result.status, 255);
    assert.match(result.stderr, /Host key verification failed/);
  });

  it("apt installs a package inside a host from the lab's repository, with no other source", async () => {
    const offered = repositoryPackageNames(ensureFleetRootfs().repository);
    for (const name of REPOSITORY_PACKAGES) assert.ok(offered.includes(name), `${name} is in the repository`);
    const update = await lab.exec("mon1", "apt-get", ["update", "-q"]);
    assert.equal(update.status, 0, update.stdout + update.stderr);
    const policy = await lab.exec("mon1", "apt-cache", ["policy", "prometheus-node-exporter"]);
    assert.match(policy.stdout, /Candidate: 1\.5\.0/);
    assert.ok(policy.stdout.includes(`500 http://${lab.controllerAddress} ./ Packages`), policy.stdout);
    assert.doesNotMatch(policy.stdout, /deb\.debian\.org|debian-security/);
    const install = await lab.exec(
      "mon1",
      "apt-get",
      ["install", "-y", "-q", "--no-install-recommends", "prometheus-node-exporter"],
      { env: { DEBIAN_FRONTEND: "noninteractive" }, timeoutMs: 300_000 },
    );
    assert.equal(install.status, 0, install.stdout + install.stderr);
    const version = await lab.exec("mon1", "prometheus-node-exporter", ["--version"]);
    assert.match(version.stdout + version.stderr, /node_exporter, version 1\.5\.0/);
  });

  it("a host cut off the network is unreachable until reconnected; the others are not affected", async () => {
    lab.disconnect("web1");
    try {
      const cut = await lab.ssh("web1", "true");
      assert.equal(cut.status, 255);
      assert.match(cut.stderr, /timed out|No route to host/);
      const other = await lab.ssh("db1", "true");
      assert.equal(other.status, 0, other.stderr);
    } finally {
      lab.reconnect("web1");
    }
    const back = await lab.ssh("web1", "hostname");
    assert.equal(back.status, 0, back.stderr);
    assert.equal(back.stdout, "web1\n");
  });

  it("a long-running process in the LAN namespace serves the hosts", async () => {
    const server = lab.lanSpawn(process.execPath, [
      "-e",
      `require("node:http").createServer((q, s) => s.end("from the controller")).listen(8081, "${lab.controllerAddress}", () => console.log("up"))`,
    ]);
    await new Promise((resolve) => server.stdout?.once("data", resolve));
    const fetched = await lab.ssh("db1", `curl -fsS http://controller:8081/`);
    assert.equal(fetched.stdout, "from the controller");
    server.kill("SIGTERM");
  });

  it("what a killed run left behind is removed by the next, and a live lab is left alone", async () => {
    // A registry and namespace prefix of this test's own: the other suites' labs, starting side
    // by side with this one, sweep the real registry and would race this test for its leftovers.
    const registry = {
      dir: mkdtempSync(join(tmpdir(), "stackmon-registry-")),
      namespacePrefix: "sweeptest-",
    };
    const dead = spawnSync("true").pid;
    const dir = mkdtempSync(join(tmpdir(), "stackmon-lab-"));
    const gone = ["sweeptest-gone", "sweeptest-gone-h1"];
    const live = ["sweeptest-live"];
    for (const name of [...gone, ...live, "sweeptest-unrecorded"]) spawnSync("ip", ["netns", "add", name]);
    try {
      const sleeper = spawn("ip", ["netns", "exec", "sweeptest-gone-h1", "sleep", "600"], {
        detached: true,
        stdio: "ignore",
      });
      sleeper.unref();
      await new Promise((r) => setTimeout(r, 200));
      writeRecord(join(registry.dir, "gone.json"), { owner: dead, namespaces: gone, dir });
      writeRecord(join(registry.dir, "live.json"), {
        owner: process.pid,
        namespaces: live,
        dir: "/nonexistent",
      });
      assert.ok(sleeper.pid !== undefined && isAlive(sleeper.pid), "a process runs inside the dead lab");

      removeLeftoverLabs(registry);

      const left = namespaces();
      for (const name of [...gone, "sweeptest-unrecorded"])
        assert.ok(!left.includes(name), `${name} removed`);
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(!isAlive(sleeper.pid), "the process inside is gone");
      assert.ok(!existsSync(dir), "the lab's directory is gone");
      assert.ok(!existsSync(join(registry.dir, "gone.json")), "its record is gone");
      assert.ok(left.includes("sweeptest-live"), "a lab whose owner lives keeps its network");
      assert.ok(existsSync(join(registry.dir, "live.json")), "and its record");
    } finally {
      for (const name of [...gone, ...live, "sweeptest-unrecorded"]) spawnSync("ip", ["netns", "del", name]);
      rmSync(registry.dir, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
    const stillUp = await lab.ssh("mon1", "true");
    assert.equal(stillUp.status, 0, stillUp.stderr);
  });
});

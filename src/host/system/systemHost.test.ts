import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeHost } from "../fakeHost.js";
import type { CommandRunner } from "../host.js";
import { commandsOver } from "../runCommand.js";
import { systemHost } from "./systemHost.js";

/** A remote-looking machine: its files in memory, its commands recorded, nothing of this one. */
function machine(files: Record<string, string>) {
  const disk = new FakeHost({ manager: null, systemd: false });
  for (const [path, text] of Object.entries(files)) disk.writeFileNow(path, text);
  const calls: string[] = [];
  const run: CommandRunner = (program, args) => {
    calls.push([program, ...args].join(" "));
    return Promise.resolve({ status: 0, stdout: "", stderr: "" });
  };
  const ports = { description: "web1", commands: commandsOver(run), files: disk.files, http: disk.http };
  return { ports, calls, disk };
}

describe("a system host is its ports", () => {
  it("finds its package manager and systemd in its own files, not this machine's", async () => {
    const debian = machine({ "/usr/bin/apt-get": "" });
    debian.disk.ensureParents("/run/systemd/system/x");
    const host = await systemHost(debian.ports);
    assert.equal(host.packages?.manager, "apt");
    assert.ok(host.services, "systemd runs there");

    const rpm = await systemHost(machine({ "/usr/bin/dnf": "" }).ports);
    assert.equal(rpm.packages?.manager, "dnf");
    assert.equal(rpm.services, undefined, "no /run/systemd/system: no services");

    assert.equal((await systemHost(machine({}).ports)).packages, undefined);
  });

  it("reads users and groups from the host's /etc/passwd and /etc/group", async () => {
    const { ports } = machine({
      "/etc/passwd": "root:x:0:0::/root:/bin/bash\nprometheus:x:998:997::/nonexistent:/usr/sbin/nologin\n",
      "/etc/group": "root:x:0:\nprometheus:x:997:\nssl-cert:x:110:prometheus,grafana\n",
    });
    const host = await systemHost(ports);
    assert.deepEqual(await host.users?.user("prometheus"), {
      name: "prometheus",
      group: "prometheus",
      supplementaryGroups: ["ssl-cert"],
    });
    assert.equal(await host.users?.user("grafana"), undefined);
    assert.equal(await host.users?.groupExists("ssl-cert"), true);
  });

  it("creates a system user through its commands, with the host's nologin", async () => {
    const { ports, calls } = machine({ "/etc/group": "root:x:0:\n", "/sbin/nologin": "" });
    const host = await systemHost(ports);
    await host.users?.createSystemUser("stackmon-pm2", "stackmon-pm2", ["adm"]);
    assert.deepEqual(calls, [
      "groupadd --system stackmon-pm2",
      "useradd --system --no-create-home --home-dir /nonexistent --shell /sbin/nologin --gid stackmon-pm2 --groups adm stackmon-pm2",
    ]);
  });

  it("asks systemd through its commands and reads the answer", async () => {
    const { ports, disk } = machine({});
    disk.ensureParents("/run/systemd/system/x");
    const calls: string[] = [];
    const run: CommandRunner = (program, args) => {
      calls.push([program, ...args].join(" "));
      return Promise.resolve({
        status: 0,
        stdout: "LoadState=loaded\nActiveState=active\nSubState=running\nNRestarts=2\nMainPID=42\n",
        stderr: "",
      });
    };
    const host = await systemHost({ ...ports, commands: commandsOver(run) });
    const status = await host.services?.status("prometheus.service");
    assert.equal(status?.activeState, "active");
    assert.equal(status?.restarts, 2);
    assert.equal(status?.mainPid, 42);
    await host.services?.recentLog("prometheus.service", 5);
    assert.match(calls[0] ?? "", /^systemctl show --property=\S+ prometheus\.service$/);
    assert.equal(calls[1], "journalctl --unit prometheus.service --lines 5 --no-pager --output cat");
  });
});

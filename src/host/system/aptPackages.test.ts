import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { FakeHost } from "../fakeHost.js";
import type { CommandResult, CommandRunner } from "../host.js";
import { installMissingPackages } from "../supervisor/supervisor.js";
import { AptPackages, POLICY_MARKER, POLICY_RC_D } from "./aptPackages.js";
import { dearmor, isArmored } from "./pgpArmor.js";

const OK: CommandResult = { status: 0, stdout: "", stderr: "" };
// What apt 2.6 prints when another process holds the package lists' lock (apt-get update does
// not wait for it, whatever DPkg::Lock::Timeout says).
const LISTS_LOCKED: CommandResult = {
  status: 100,
  stdout: "Reading package lists...\n",
  stderr:
    "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)\nE: Unable to lock directory /var/lib/apt/lists/\n",
};

interface Call {
  readonly program: string;
  readonly args: readonly string[];
  /** /usr/sbin/policy-rc.d as it was while the command ran. */
  readonly policy: string | undefined;
}

/** A runner that answers from a script and records each call with the host's policy-rc.d then. */
function scriptedRunner(host: FakeHost, answer: (call: Call, index: number) => CommandResult) {
  const calls: Call[] = [];
  const run: CommandRunner = (program, args) => {
    const call = { program, args, policy: host.text(POLICY_RC_D) };
    calls.push(call);
    return Promise.resolve(answer(call, calls.length - 1));
  };
  return { run, calls };
}

describe("apt over the command runner", () => {
  it("holds the package services back with its marked policy-rc.d while apt-get installs, then removes it", async () => {
    const host = new FakeHost();
    const { run, calls } = scriptedRunner(host, () => OK);
    await new AptPackages(run, host.files).install(["prometheus-node-exporter"]);
    const install = calls.find((c) => c.args.includes("install"));
    assert.match(install?.policy ?? "", new RegExp(`${POLICY_MARKER}\nexit 101`));
    assert.equal(host.text(POLICY_RC_D), undefined, "removed afterwards");
  });

  it("leaves a policy-rc.d of someone else's in place, and removes one a killed `up` left behind", async () => {
    const foreign = "#!/bin/sh\n# the admin's own\nexit 101\n";
    const host = new FakeHost();
    host.writeFileNow(POLICY_RC_D, foreign, { mode: 0o755, owner: "root", group: "root" });
    await new AptPackages(scriptedRunner(host, () => OK).run, host.files).install(["x"]);
    assert.equal(host.text(POLICY_RC_D), foreign);

    host.writeFileNow(
      POLICY_RC_D,
      "#!/bin/sh\n# stackmon up: keep package services from starting\nexit 101\n",
    );
    await new AptPackages(scriptedRunner(host, () => OK).run, host.files).install(["x"]);
    assert.equal(host.text(POLICY_RC_D), undefined);
  });

  it("waits while another apt run holds a lock, then goes on", async () => {
    const host = new FakeHost();
    const { run, calls } = scriptedRunner(host, (_, i) => (i < 2 ? LISTS_LOCKED : OK));
    await new AptPackages(run, host.files, { lockWaitMs: 5000, retryDelayMs: 1 }).refresh();
    assert.equal(calls.length, 3);
    assert.ok(
      calls.every((c) => c.args.some((a) => /^DPkg::Lock::Timeout=\d+$/.test(a))),
      "dpkg's own locks are waited for by apt itself",
    );
  });

  it("gives up on a lock after the bounded wait, saying another apt run holds it", async () => {
    const host = new FakeHost();
    const { run } = scriptedRunner(host, () => LISTS_LOCKED);
    await assert.rejects(
      new AptPackages(run, host.files, { lockWaitMs: 50, retryDelayMs: 10 }).refresh(),
      /Could not get lock[\s\S]*another apt or dpkg run held its lock for 0.05s/,
    );
  });

  it("does not retry a failure that is not a lock", async () => {
    const host = new FakeHost();
    const missing = { status: 100, stdout: "", stderr: "E: Unable to locate package nosuch\n" };
    const { run, calls } = scriptedRunner(host, () => missing);
    await assert.rejects(
      new AptPackages(run, host.files, { retryDelayMs: 1 }).install(["nosuch"]),
      /Unable to locate package nosuch/,
    );
    assert.equal(calls.length, 1);
  });

  it("writes a repository's armored key as the binary keyring apt's signed-by reads", async (t) => {
    const text = armoredDebianKey();
    if (!text) return t.skip("gpg or the Debian keyring is missing");
    const armored = Buffer.from(text, "latin1");
    const host = new FakeHost();
    const apt = new AptPackages(scriptedRunner(host, () => OK).run, host.files, {
      fetchKey: () => Promise.resolve(armored),
    });
    const repository = {
      apt: {
        keyUrl: "https://example.org/key",
        keyPath: "/etc/apt/keyrings/example.gpg",
        listPath: "/etc/apt/sources.list.d/example.list",
        sourceLine: "deb [signed-by=/etc/apt/keyrings/example.gpg] https://example.org stable main",
      },
    };
    await apt.addRepository(repository);
    assert.equal(await apt.hasRepository(repository), true);
    const written = host.fs.get("/etc/apt/keyrings/example.gpg")?.content;
    assert.deepEqual(written, gpgDearmor(armored));
  });
});

describe("`up` installs missing programs with the same apt code", () => {
  it("installs their Debian packages with apply's marked hold-back and lock wait", async () => {
    const host = new FakeHost();
    const { run, calls } = scriptedRunner(host, (c, i) => (i === 0 ? LISTS_LOCKED : OK));
    const packages = new AptPackages(run, host.files, { retryDelayMs: 1 });
    const spec = {
      name: "node_exporter",
      paths: ["/nowhere/node_exporter"],
      packages: { apt: "prometheus-node-exporter" },
    };
    await installMissingPackages([spec, spec], packages, () => {});
    assert.deepEqual(
      calls.map((c) =>
        c.args.filter((a) => !a.startsWith("-") && !a.startsWith("Dpkg::") && !a.startsWith("DPkg::")),
      ),
      [["update"], ["update"], ["install", "prometheus-node-exporter"]],
    );
    assert.match(calls[2]?.policy ?? "", new RegExp(POLICY_MARKER));
  });
});

/** Debian's release key, armored by gpg itself (undefined where gpg is missing). */
function armoredDebianKey(): string | undefined {
  const result = spawnSync(
    "gpg",
    [
      "--no-default-keyring",
      "--keyring",
      "/usr/share/keyrings/debian-archive-keyring.gpg",
      "--armor",
      "--export",
    ],
    { encoding: "latin1" },
  );
  return result.status === 0 && result.stdout.includes("BEGIN PGP") ? result.stdout : undefined;
}

function gpgDearmor(armored: Buffer): Buffer {
  return spawnSync("gpg", ["--dearmor"], { input: armored }).stdout;
}

describe("armored keys", () => {
  it("dearmors exactly as gpg --dearmor does", (t) => {
    const armored = armoredDebianKey();
    if (!armored) return t.skip("gpg or the Debian keyring is missing");
    assert.equal(isArmored(Buffer.from(armored, "latin1")), true);
    assert.deepEqual(dearmor(armored, "key"), gpgDearmor(Buffer.from(armored, "latin1")));
  });

  it("refuses an armored key whose checksum does not match", (t) => {
    const armored = armoredDebianKey();
    if (!armored) return t.skip("gpg or the Debian keyring is missing");
    const lines = armored.split("\n");
    const at = lines.findIndex((l) => l.length > 40 && !l.includes(":"));
    const line = lines[at] ?? "";
    lines[at] = `${line.slice(0, 10)}${line[10] === "A" ? "B" : "A"}${line.slice(11)}`;
    assert.throws(() => dearmor(lines.join("\n"), "key"), /checksum does not match/);
  });
});

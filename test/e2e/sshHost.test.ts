// The SSH transport against booted Debian hosts on the lab's network: files with modes and
// owners, exact bytes both ways, commands with hostile arguments and stdin, the sudo path, host
// keys refused, a dropped connection said clearly, and one shared connection that goes on close.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { UserError } from "../../src/config/configError.js";
import { runCommand } from "../../src/host/runCommand.js";
import { connectSshHost, type SshHost, type SshTarget } from "../../src/host/ssh/sshHost.js";
import { cannotBootReason } from "./container.js";
import { FleetLab } from "./fleet/fleetLab.js";
import { NO_SUDO_USER, SUDO_USER } from "./fleet/fleetRootfs.js";

const skipReason = cannotBootReason();
if (skipReason) console.log(`SSH e2e skipped: this machine cannot boot containers (${skipReason})`);

const HOSTILE = [
  "two words",
  "it's",
  '"double"',
  "$HOME",
  "$(touch /tmp/pwned)",
  "`touch /tmp/pwned`",
  "a;touch /tmp/pwned",
  "line one\nline two",
  "",
  "-n",
  "*",
  "~",
  "back\\slash",
  "ünïcødé",
];

/** Rejects with a UserError whose message and hint match. */
async function refused(promise: Promise<unknown>, message: RegExp, hint?: RegExp): Promise<UserError> {
  let caught: unknown;
  await promise.then(
    () => assert.fail("expected a refusal"),
    (error: unknown) => (caught = error),
  );
  assert.ok(caught instanceof UserError, `a UserError, not ${String(caught)}`);
  assert.match(caught.message, message);
  if (hint) assert.match(caught.hint ?? "", hint);
  return caught;
}

describe("a host over SSH", { skip: skipReason ?? false }, () => {
  let lab: FleetLab;
  const open: SshHost[] = [];

  const target = (host: string, user = "root", configFile = lab.sshConfig): SshTarget => ({
    name: host,
    destination: `${user}@${lab.host(host).address}`,
    configFile,
    // The controller's ssh runs inside the lab's LAN, the only place its hosts are reachable.
    wrapper: ["ip", "netns", "exec", lab.lanNamespace],
  });

  const connect = async (host: string, user = "root"): Promise<SshHost> => {
    const connected = await connectSshHost(target(host, user));
    open.push(connected);
    return connected;
  };

  /** How many logins sshd on the host has accepted so far. */
  const acceptedLogins = async (host: string): Promise<number> => {
    const journal = await lab.exec(host, "journalctl", ["-u", "ssh", "--no-pager", "-o", "cat"]);
    return journal.stdout.split("\n").filter((line) => line.startsWith("Accepted publickey")).length;
  };

  before(async () => {
    lab = await FleetLab.start({ hosts: ["web1", "web2", "db1"], name: "ssh", subnet: "10.78.0" });
  });

  after(async () => {
    for (const host of open) await host.close();
    await lab?.close();
  });

  it("as root: commands get exactly their arguments, and stdin", async () => {
    const web1 = await connect("web1");
    assert.equal(web1.user, "root");
    assert.equal(web1.sudo, false);
    const argv = await web1.commands.run("sh", ["-c", 'printf "%s\\0" "$@"', "sh", ...HOSTILE]);
    assert.equal(argv.status, 0, argv.stderr);
    assert.deepEqual(argv.stdout.split("\0").slice(0, -1), HOSTILE);
    assert.equal((await lab.exec("web1", "ls", ["/tmp"])).stdout.includes("pwned"), false);

    const input = randomBytes(3 * 1024 * 1024).toString("base64");
    const digest = await web1.commands.run("sha256sum", [], { input });
    assert.equal(digest.stdout.split(" ")[0], createHash("sha256").update(input).digest("hex"));
    const env = await web1.commands.run("sh", ["-c", 'printf "%s|%s" "$GREETING" "$LC_ALL"'], {
      env: { GREETING: "hello; $(world)" },
    });
    assert.equal(env.stdout, "hello; $(world)|C");

    const failed = await web1.commands.run("sh", ["-c", "echo out; echo err >&2; exit 7"]);
    assert.deepEqual(failed, { status: 7, stdout: "out\n", stderr: "err\n" });
    const exit255 = await web1.commands.run("sh", ["-c", "exit 255"]);
    assert.equal(exit255.status, 255, "a command's own 255 is its exit status, not a lost connection");
    assert.equal(await web1.commands.executable("/usr/bin/env"), true);
    assert.equal(await web1.commands.executable("/etc/hostname"), false);
  });

  it("files: exact bytes, modes and owners, atomic replacement, directories, removal", async () => {
    const web1 = await connect("web1");
    const binary = Buffer.concat([
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      randomBytes(200_000),
    ]);
    await web1.files.write("/etc/stackmon/secrets/blob", binary, {
      mode: 0o640,
      owner: "root",
      group: "nogroup",
    });
    assert.deepEqual(await web1.files.read("/etc/stackmon/secrets/blob"), binary);
    const inside = await lab.exec("web1", "sh", [
      "-c",
      "stat -c '%a %U %G' /etc/stackmon/secrets/blob; sha256sum < /etc/stackmon/secrets/blob",
    ]);
    assert.equal(
      inside.stdout,
      `640 root nogroup\n${createHash("sha256").update(binary).digest("hex")}  -\n`,
    );
    assert.deepEqual(await web1.files.stat("/etc/stackmon/secrets/blob"), {
      kind: "file",
      mode: 0o640,
      owner: "root",
      group: "nogroup",
    });
    assert.equal(await web1.files.read("/etc/stackmon/absent"), undefined);
    assert.equal(await web1.files.stat("/etc/stackmon/absent"), undefined);

    await web1.files.write("/etc/stackmon/config.yml", "old\n", {
      mode: 0o644,
      owner: "root",
      group: "root",
    });
    await refused(
      web1.files.write("/etc/stackmon/config.yml", "new\n", {
        mode: 0o644,
        owner: "nosuchuser",
        group: "root",
      }),
      /^web1: cannot write \/etc\/stackmon\/config\.yml: .*nosuchuser/,
    );
    assert.equal((await web1.files.read("/etc/stackmon/config.yml"))?.toString(), "old\n");
    assert.equal(
      (await lab.exec("web1", "ls", ["-A", "/etc/stackmon"])).stdout,
      "config.yml\nsecrets\n",
      "no temporary file left",
    );

    await web1.files.ensureDirectory("/var/lib/stackmon-test/private", {
      mode: 0o750,
      owner: "nobody",
      group: "nogroup",
    });
    assert.deepEqual(await web1.files.stat("/var/lib/stackmon-test/private"), {
      kind: "directory",
      mode: 0o750,
      owner: "nobody",
      group: "nogroup",
    });
    const staging = await web1.files.makeStagingDirectory();
    assert.match(staging, /^\/var\/lib\/stackmon\/staging\/run-/);
    assert.equal((await web1.files.stat(staging))?.mode, 0o700);
    await web1.files.removeTree(staging);
    await web1.files.remove("/etc/stackmon/config.yml");
    assert.equal(await web1.files.stat(staging), undefined);
    assert.equal(await web1.files.stat("/etc/stackmon/config.yml"), undefined);
  });

  it("a login that is not root works through sudo -n: files owned by root, commands as root", async () => {
    const web2 = await connect("web2", SUDO_USER);
    assert.equal(web2.user, SUDO_USER);
    assert.equal(web2.sudo, true);
    assert.match(web2.description, /^web2 \(ssh admin@10\.78\.0\.\d+, sudo\)$/);
    assert.equal((await web2.commands.run("id", ["-un"])).stdout, "root\n");
    await web2.files.write("/etc/stackmon/secret", "s3cret\n", { mode: 0o600, owner: "root", group: "root" });
    const inside = await lab.exec("web2", "stat", ["-c", "%a %U %G", "/etc/stackmon/secret"]);
    assert.equal(inside.stdout, "600 root root\n");
    assert.equal((await web2.files.read("/etc/stackmon/secret"))?.toString(), "s3cret\n");
    const argv = await web2.commands.run("sh", ["-c", 'printf "%s\\0" "$@"', "sh", ...HOSTILE]);
    assert.deepEqual(argv.stdout.split("\0").slice(0, -1), HOSTILE, "quoting survives sudo too");
  });

  it("through sudo, the shared system code works there: apt from the LAN, users, systemd, HTTP to its loopback", async () => {
    const web2 = await connect("web2", SUDO_USER);
    const { packages, users, services } = web2;
    assert.ok(packages && users && services, "a systemd host with apt has packages, users and services");
    assert.equal(packages.manager, "apt");
    await packages.refresh();
    assert.match((await packages.candidateVersion("prometheus-node-exporter")) ?? "", /^1\.5\.0/);
    await packages.install(["prometheus-node-exporter"]);
    assert.match((await packages.installedVersion("prometheus-node-exporter")) ?? "", /^1\.5\.0/);
    const unit = "prometheus-node-exporter.service";
    assert.equal(
      (await services.status(unit)).activeState,
      "inactive",
      "held back from starting with its defaults",
    );
    assert.equal(await web2.files.stat("/usr/sbin/policy-rc.d"), undefined, "the hold is lifted again");

    await users.createSystemUser("stackmon-probe", "stackmon-probe", ["adm"]);
    assert.deepEqual(await users.user("stackmon-probe"), {
      name: "stackmon-probe",
      group: "stackmon-probe",
      supplementaryGroups: ["adm"],
    });

    await services.start(unit);
    try {
      // The exporter listens on the host's own loopback too; this machine reaches it through SSH.
      const answer = await web2.http("http://127.0.0.1:9100/metrics", { timeoutMs: 10_000 });
      assert.equal(answer?.status, 200);
      assert.match(answer?.body ?? "", /^node_exporter_build_info\{/m);
      assert.equal(await web2.http("http://127.0.0.1:9101/"), undefined, "nothing listens there");
    } finally {
      await services.stop(unit);
    }
    assert.equal((await services.status(unit)).activeState, "inactive");
  });

  it("a login without sudo rights is refused with what to do, before anything is changed", async () => {
    await refused(
      connectSshHost(target("web2", NO_SUDO_USER)),
      /^web2: nosudo may not run commands as root through sudo without a password$/,
      /NOPASSWD/,
    );
  });

  it("a host whose key is not known is refused, named, and never logged in to", async () => {
    const trusted = await connectSshHost(target("db1"));
    await trusted.close();
    const before = await acceptedLogins("db1");
    assert.ok(before >= 1, "sshd's journal counts the logins it accepts");
    const empty = join(lab.dir, "known_hosts-none");
    writeFileSync(empty, "");
    await refused(
      connectSshHost(target("db1", "root", lab.sshConfigWith({ knownHosts: empty }))),
      new RegExp(
        `^db1: the host key of ${lab.host("db1").address.replaceAll(".", "\\.")} is not in known_hosts`,
      ),
      /ssh-keyscan/,
    );
    assert.equal(await acceptedLogins("db1"), before);
  });

  it("a host whose key changed is refused and named, and never logged in to", async () => {
    const before = await acceptedLogins("db1");
    await lab.replaceHostKey("db1");
    await refused(connectSshHost(target("db1")), /^db1: the host key has CHANGED/, /ssh-keygen -R/);
    assert.equal(await acceptedLogins("db1"), before);
  });

  it("a dropped connection is said clearly, and the host is used again once back", async () => {
    const web2 = await connect("web2");
    assert.equal((await web2.commands.run("true", [])).status, 0);
    lab.disconnect("web2");
    try {
      const lost = await refused(web2.commands.run("hostname", []), /^web2: lost the SSH connection/);
      console.log(`a dropped connection reads: ${lost.message}`);
    } finally {
      lab.reconnect("web2");
    }
    assert.equal((await web2.commands.run("hostname", [])).stdout, "web2\n");
  });

  it("the user's ssh configuration decides the way there: a jump host", async () => {
    const config = join(lab.dir, "ssh_config-jump");
    const jump = `Host web2-via-web1\n  HostName ${lab.host("web2").address}\n  ProxyJump root@${lab.host("web1").address}\n\n`;
    writeFileSync(config, jump + readFileSync(lab.sshConfig, "utf8"));
    const web2 = await connectSshHost({ ...target("web2", "root", config), destination: "web2-via-web1" });
    open.push(web2);
    const from = (await web2.commands.run("sh", ["-c", 'echo "$SSH_CONNECTION"'])).stdout.split(" ")[0];
    assert.equal(from, lab.host("web1").address, "web2 sees the login coming from the jump host");
  });

  it("one shared connection per host, gone after close", async () => {
    const masters = async () =>
      (await lab.lanExec("pgrep", ["-f", `ControlMaster=yes.*root@${lab.host("web1").address}`])).stdout
        .split("\n")
        .filter(Boolean).length;
    const othersOpen = await masters();
    const web1 = await connectSshHost(target("web1"));
    assert.equal(await masters(), othersOpen + 1);
    const before = await acceptedLogins("web1");
    await Promise.all(Array.from({ length: 20 }, () => web1.commands.run("true", [])));
    assert.equal(await acceptedLogins("web1"), before, "twenty commands, no new login");
    await web1.close();
    assert.equal(await masters(), othersOpen);
    await assert.rejects(web1.commands.run("true", []), /closed/);

    // A run that ends without closing takes its connection with it.
    const script = join(lab.dir, "exits-without-close.mts");
    const module = new URL("../../src/host/ssh/sshHost.ts", import.meta.url).pathname;
    writeFileSync(
      script,
      `import { runCommand } from "../../src/host/runCommand.js";
import { connectSshHost } from ${JSON.stringify(module)};\n` +
        `await connectSshHost(${JSON.stringify(target("web1"))});\nprocess.exit(0);\n`,
    );
    const exited = await runCommand(process.execPath, ["--import", "tsx", script], { timeoutMs: 60_000 });
    assert.equal(exited.status, 0, exited.stderr);
    assert.equal(await masters(), othersOpen);
  });
});

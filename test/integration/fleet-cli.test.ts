// The fleet from the command line, laid out as one directory per host (--root / --out): what
// the hosts get, what stays on this machine, and a second apply that changes nothing.
import assert from "node:assert/strict";
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/stackmon.js";

describe("a fleet laid out per host", () => {
  let dir: string;
  let config: string;
  let state: string;
  let root: string;

  before(() => {
    dir = tempDir("stackmon-fleet-cli-");
    config = join(dir, "stackmon.yml");
    state = join(dir, "state");
    root = join(dir, "root");
    writeFileSync(join(dir, "db1-mysql.password"), "exporter-password-never-shown\n", { mode: 0o600 });
    writeFileSync(
      config,
      `exporters: { node: {} }
grafana: { enabled: false }
hosts:
  mon1: { ssh: admin@10.0.0.5, roles: [server] }
  web1: { ssh: deploy@10.0.0.11 }
  db1:
    ssh: root@db1.internal
    address: 10.0.0.12
    exporters: { mysql: { enabled: true, password_file: ${join(dir, "db1-mysql.password")} } }
`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (...args: string[]) => runCli([...args, "-c", config, "--state", state]);

  it("validates every host and names them", () => {
    const result = runCli(["validate", "-c", config]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), `${config}: ok (3 hosts: db1, mon1, web1)`);
  });

  it("renders one tree per host, secrets masked", () => {
    const out = join(dir, "rendered");
    const result = runCli(["render", "-c", config, "--out", out]);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(readdirSync(out).sort(), ["db1", "mon1", "web1"]);
    const prometheus = readFileSync(join(out, "mon1/etc/prometheus/prometheus.yml"), "utf8");
    assert.match(prometheus, /job_name: mysql@db1[\s\S]*?- 10\.0\.0\.12:9104/);
    assert.ok(!readdirSync(join(out, "web1/etc")).includes("prometheus"));
  });

  it("plans the controller's CA and every host's files before anything exists", () => {
    const result = cli("plan", "--root", root);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stdout, /On this machine .*:\n {2}\+ create the fleet's CA/);
    assert.match(result.stdout, /== web1 ==[\s\S]*\+ \/etc\/stackmon\/tls\/node\.key/);
    assert.match(result.stdout, /^web1 +changes /m);
  });

  it("applies every host, keeps the CA key on this machine and gives each host its certificate", () => {
    const result = cli("apply", "--root", root);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^db1 +changed /m);
    assert.equal(statSync(state).mode & 0o777, 0o700);
    assert.equal(statSync(join(state, "ca.key")).mode & 0o777, 0o600);
    const everything = (host: string): string[] =>
      readdirSync(join(root, host), { recursive: true, encoding: "utf8" }).map((p) => join(root, host, p));
    for (const host of ["mon1", "web1", "db1"]) {
      const files = everything(host).filter((p) => statSync(p).isFile());
      const caKey = readFileSync(join(state, "ca.key"), "utf8");
      assert.ok(!files.some((f) => readFileSync(f, "utf8").includes(caKey.trim())), `no CA key on ${host}`);
    }
    assert.equal(
      readFileSync(join(root, "web1/etc/stackmon/tls/node.crt"), "utf8").trim(),
      readFileSync(join(state, "hosts/web1/tls.crt"), "utf8").trim(),
    );
    assert.equal(
      readFileSync(join(root, "mon1/etc/prometheus/secrets/hosts/db1.password"), "utf8"),
      readFileSync(join(state, "hosts/db1/scrape.password"), "utf8").trim(),
    );
    assert.ok(
      !result.stdout.includes("exporter-password-never-shown") &&
        !result.stderr.includes("exporter-password-never-shown"),
    );
  });

  it("changes nothing on a second apply, and plan agrees", () => {
    const again = cli("apply", "--root", root);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^mon1 +unchanged /m);
    assert.doesNotMatch(again.stdout, / changed /);
    assert.equal(cli("plan", "--root", root).status, 0);
  });

  it("acts on the hosts named by --host only, and refuses a host it does not know", () => {
    const one = cli("plan", "--root", root, "--host", "web1");
    assert.equal(one.status, 0, one.stderr);
    assert.deepEqual(
      one.stdout
        .split("\n")
        .filter((l) => /^(db1|mon1|web1) /.test(l))
        .map((l) => l.split(" ")[0]),
      ["web1"],
    );
    const unknown = cli("plan", "--root", root, "--host", "web9");
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no host web9 in the inventory/);
  });

  it("takes stackmon off one host with uninstall, after showing what it would remove", () => {
    const preview = cli("uninstall", "--root", root, "--host", "web1");
    assert.equal(preview.status, 2, preview.stderr);
    assert.match(preview.stdout, /- \/etc\/systemd\/system\/prometheus-node-exporter\.service/);
    assert.ok(statSync(join(root, "web1/etc/stackmon/tls/node.key")).isFile(), "a preview removes nothing");
    const done = cli("uninstall", "--root", root, "--host", "web1", "--yes");
    assert.equal(done.status, 0, done.stderr);
    const left = readdirSync(join(root, "web1"), { recursive: true, encoding: "utf8" }).filter((p) =>
      statSync(join(root, "web1", p)).isFile(),
    );
    assert.deepEqual(left, ["var/lib/stackmon/applied.json"]);
    assert.equal(cli("uninstall", "--root", root, "--host", "web1").status, 0, "nothing left to remove");
    assert.ok(statSync(join(root, "db1/etc/stackmon/tls/node.key")).isFile(), "other hosts keep theirs");
  });
});

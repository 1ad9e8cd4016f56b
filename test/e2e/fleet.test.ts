// A fleet from one stackmon.yml, end to end: booted Debian hosts on the test's own network, a
// controller that applies them over SSH, a server that scrapes every host over TLS with basic
// auth, and alerts that reach a Mattermost stand-in naming the host they are about.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Post } from "../helpers/mattermost.js";
import { buildStackmonCopy } from "./artifacts.js";
import { cannotBootReason } from "./container.js";
import { FleetLab } from "./fleet/fleetLab.js";
import { LabMattermost, labStackmon, postTitle } from "./fleet/labSession.js";
import type { CommandResult } from "../../src/host/host.js";
import { ensureFleetRootfs, NO_SUDO_USER, SUDO_USER } from "./fleet/fleetRootfs.js";

const skipReason = cannotBootReason();
if (skipReason) console.log(`fleet e2e skipped: this machine cannot boot containers (${skipReason})`);

const HOSTS = ["mon1", "web1", "db1"];
const UNITS = [
  "prometheus.service",
  "prometheus-alertmanager.service",
  "prometheus-node-exporter.service",
  "prometheus-mysqld-exporter.service",
  "stackmon-pm2-exporter.service",
];

describe("a fleet applied over SSH", { skip: skipReason ?? false }, () => {
  let lab: FleetLab;
  let controller: string;
  let work: string;
  let config: string;
  let mattermost: LabMattermost;
  let stackmon: (...args: string[]) => Promise<CommandResult>;
  const posts = () => mattermost.posts();
  const title = postTitle;
  const waitForPost = (predicate: (post: Post) => boolean, since: number) =>
    mattermost.waitForPost(predicate, since);

  function configText(hookUrlFile: string, mysqlPasswordFile: string): string {
    const [mon1, web1, db1] = HOSTS.map((name) => lab.host(name).address);
    return `global: { scrape_interval: 5s, evaluation_interval: 5s }
grafana: { enabled: false }
alerting:
  group_wait: 1s
  group_interval: 5s
  mattermost:
    webhook_url_file: ${hookUrlFile}
    critical: { channel: ops-critical }
    warning: { channel: ops }
  rules:
    TargetDown: { for: 0s }
    Pm2DaemonDown: { enabled: false }
hosts:
  mon1: { ssh: root@${mon1}, roles: [server] }
  web1:
    ssh: ${SUDO_USER}@${web1}
    labels: { team: web }
    exporters: { pm2: { enabled: true, user: ${NO_SUDO_USER} } }
  db1:
    ssh: root@${db1}
    exporters:
      mysql: { enabled: true, socket: /run/mysqld/mysqld.sock, create_user: true, password_file: ${mysqlPasswordFile} }
`;
  }

  /** When each of stackmon's units on each host last (re)started. */
  async function unitStarts(): Promise<Record<string, string>> {
    const starts: Record<string, string> = {};
    for (const host of HOSTS) {
      for (const unit of UNITS) {
        const shown = await lab.exec(host, "systemctl", ["show", "--property=ActiveEnterTimestamp", unit]);
        starts[`${host} ${unit}`] = shown.stdout.trim();
      }
    }
    return starts;
  }

  before(async () => {
    ensureFleetRootfs((line) => console.log(`fleet rootfs: ${line}`));
    controller = buildStackmonCopy();
    lab = await FleetLab.start({
      hosts: HOSTS,
      name: "fleet",
      subnet: "10.78.0",
      log: (l) => console.log(`lab: ${l}`),
    });
    work = mkdtempSync(join(tmpdir(), "stackmon-fleet-e2e-"));
    // The PM2 user's home as PM2 would leave it (no daemon runs: its exporter says so).
    await lab.exec("web1", "install", ["-d", "-o", NO_SUDO_USER, `/home/${NO_SUDO_USER}/.pm2`]);
    mattermost = await LabMattermost.start(lab, {
      address: "10.78.0.1",
      postsFile: join(work, "posts.jsonl"),
      channels: ["ops-critical", "ops"],
    });
    const hookUrlFile = join(work, "mattermost.url");
    writeFileSync(hookUrlFile, `${mattermost.hookUrl}\n`, { mode: 0o600 });
    const mysqlPasswordFile = join(work, "mysql.password");
    writeFileSync(mysqlPasswordFile, "fleet-mysql-password-never-shown\n", { mode: 0o600 });
    config = join(work, "stackmon.yml");
    stackmon = labStackmon(lab, { controller, config, state: join(work, "state") });
    writeFileSync(config, configText(hookUrlFile, mysqlPasswordFile));
  });

  after(async () => {
    await lab?.close();
    if (controller) rmSync(controller, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("goes from nothing to verified with one apply, every host's exporters scraped over TLS", async () => {
    const applied = await stackmon("apply");
    assert.equal(applied.status, 0, `${applied.stdout}\n${applied.stderr}`);
    for (const host of HOSTS) assert.match(applied.stdout, new RegExp(`^${host} +changed `, "m"));
    assert.ok(!`${applied.stdout}${applied.stderr}`.includes("fleet-mysql-password-never-shown"));

    const verified = await stackmon("verify", "--wait", "180s");
    assert.equal(verified.status, 0, verified.stdout);
    for (const target of ["node mon1", "node web1", "node db1", "mysql db1", "pm2 web1"]) {
      assert.match(verified.stdout, new RegExp(`^mon1 +target ${target} +OK`, "m"), target);
    }
    // Each agent is asked whether the endpoints the server scrapes on it refuse a stranger.
    for (const [host, endpoint] of [
      ["web1", "node"],
      ["web1", "pm2"],
      ["db1", "node"],
      ["db1", "mysql"],
    ]) {
      assert.match(
        verified.stdout,
        new RegExp(
          `^${host} +endpoint ${endpoint} 10\\.78\\.0\\.\\d+:\\d+ +OK +refuses a request without credentials \\(401\\), TLS`,
          "m",
        ),
        `${host} ${endpoint}`,
      );
    }
    const targets = await lab.ssh("mon1", "curl -s http://127.0.0.1:9090/api/v1/targets");
    const active = (
      JSON.parse(targets.stdout) as {
        data: { activeTargets: { labels: { job: string }; scrapeUrl: string }[] };
      }
    ).data.activeTargets.filter((t) => ["node", "mysql", "pm2"].includes(t.labels.job));
    assert.equal(active.length, 5);
    for (const target of active) assert.match(target.scrapeUrl, /^https:\/\/10\.78\.0\.\d+:\d+\/metrics$/);
  });

  it("changes nothing and restarts nothing on any host the second time", async () => {
    const before = await unitStarts();
    const again = await stackmon("apply");
    assert.equal(again.status, 0, `${again.stdout}\n${again.stderr}`);
    for (const host of HOSTS) assert.match(again.stdout, new RegExp(`^${host} +unchanged `, "m"));
    assert.deepEqual(await unitStarts(), before);
    const plan = await stackmon("plan");
    assert.equal(plan.status, 0, plan.stdout);
  });

  it("refuses plain HTTP, a certificate it cannot check and a scrape without credentials", async () => {
    const web1 = lab.host("web1").address;
    const plain = await lab.lanExec("curl", [
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      `http://${web1}:9100/metrics`,
    ]);
    assert.equal(plain.stdout, "400", "an HTTP request to the TLS port is answered 400 and nothing else");
    const untrusted = await lab.lanExec("curl", ["-s", `https://${web1}:9100/metrics`]);
    assert.notEqual(untrusted.status, 0, "the certificate is not one the system trusts");
    const ca = join(work, "state/ca.crt");
    const anonymous = await lab.lanExec("curl", [
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "--cacert",
      ca,
      "--resolve",
      `web1:9100:${web1}`,
      "https://web1:9100/metrics",
    ]);
    assert.equal(anonymous.stdout, "401");
    const password = readFileSync(join(work, "state/hosts/web1/scrape.password"), "utf8").trim();
    const scraped = await lab.lanExec("curl", [
      "-s",
      "--cacert",
      ca,
      "--resolve",
      `web1:9100:${web1}`,
      "-u",
      `prometheus:${password}`,
      "https://web1:9100/metrics",
    ]);
    assert.match(
      scraped.stdout,
      /^node_uname_info\{.*nodename="web1"/m,
      "with the CA and web1's password it answers",
    );
  });

  it("posts one alert naming web1 when its node exporter stops, and its recovery", async () => {
    const since = posts().length;
    await lab.exec("web1", "systemctl", ["stop", "prometheus-node-exporter.service"]);
    const down = await waitForPost((p) => /^(Critical|Warning): node at web1 is down$/.test(title(p)), since);
    await new Promise((r) => setTimeout(r, 15_000));
    const firing = posts()
      .slice(since)
      .filter((p) => !title(p).startsWith("Resolved"));
    assert.deepEqual(firing.map(title), [title(down)], "exactly one alert, about web1");
    await lab.exec("web1", "systemctl", ["start", "prometheus-node-exporter.service"]);
    await waitForPost((p) => title(p) === "Resolved: node at web1 is down", since);
  });

  it("alerts for db1 alone when db1 is cut off the network", async () => {
    const since = posts().length;
    lab.disconnect("db1");
    try {
      await waitForPost((p) => !title(p).startsWith("Resolved") && p.visible.includes("db1"), since);
      await new Promise((r) => setTimeout(r, 15_000));
      // Which hosts the posts say are down ("node at db1 is down"), not where their links point.
      const saidDown = posts()
        .slice(since)
        .filter((p) => !title(p).startsWith("Resolved"))
        .flatMap((p) => [...p.visible.matchAll(/\b\w+ at (\w+) is down\b/g)].map((m) => m[1]));
      assert.ok(saidDown.length > 0);
      assert.deepEqual([...new Set(saidDown)], ["db1"], "no other host is said to be down");
    } finally {
      lab.reconnect("db1");
    }
    await waitForPost((p) => title(p).startsWith("Resolved") && p.visible.includes("db1"), since);
  });

  it("refuses a host whose key changed, names it, and still applies the others", async () => {
    await lab.replaceHostKey("web1");
    writeFileSync(config, readFileSync(config, "utf8").replace("scrape_interval: 5s", "scrape_interval: 6s"));
    const applied = await stackmon("apply");
    assert.equal(applied.status, 1, applied.stdout);
    assert.match(applied.stdout, /^web1 +failed .*host key/m);
    assert.match(applied.stdout, /^mon1 +changed /m);
    assert.match(applied.stdout, /^db1 +(changed|unchanged) /m);
    const web1Config = await lab.exec("web1", "cat", ["/etc/stackmon/node-exporter/web-config.yml"]);
    assert.equal(web1Config.status, 0, "web1 keeps what it had");
  });
});

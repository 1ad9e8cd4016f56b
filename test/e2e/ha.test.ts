// No single point of failure, on booted Debian hosts: two servers that scrape everything and
// cluster their Alertmanagers, a storage host keeping the pair's samples once, and alerts that
// reach Mattermost exactly once with either Alertmanager gone.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { eventually } from "../helpers/eventually.js";
import type { Post } from "../helpers/mattermost.js";
import { buildStackmonCopy } from "./artifacts.js";
import { cannotBootReason } from "./container.js";
import { FleetLab } from "./fleet/fleetLab.js";
import { LabMattermost, labStackmon, postTitle } from "./fleet/labSession.js";
import type { CommandResult } from "../../src/host/host.js";
import { ensureFleetRootfs } from "./fleet/fleetRootfs.js";

const skipReason = cannotBootReason();
if (skipReason) console.log(`HA e2e skipped: this machine cannot boot containers (${skipReason})`);

const HOSTS = ["mon1", "mon2", "store1", "web1"];
const SUBNET = "10.79.0";
/** What the issue asks of every unit stackmon writes. */
const MAX_EXPOSURE = 2.0;

interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

describe("two servers and a storage host", { skip: skipReason ?? false }, () => {
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

  /** An instant query of the storage host's VictoriaMetrics, over TLS checked against the CA. */
  async function storageQuery(query: string): Promise<VectorSample[]> {
    const address = lab.host("store1").address;
    const password = readFileSync(join(work, "state/hosts/store1/scrape.password"), "utf8").trim();
    const result = await lab.lanExec("curl", [
      "-sf",
      "--cacert",
      join(work, "state/ca.crt"),
      "--resolve",
      `store1:8428:${address}`,
      "-u",
      `prometheus:${password}`,
      "--data-urlencode",
      `query=${query}`,
      "https://store1:8428/api/v1/query",
    ]);
    assert.equal(result.status, 0, `query ${query}: ${result.stderr}`);
    return (JSON.parse(result.stdout) as { data: { result: VectorSample[] } }).data.result;
  }

  before(async () => {
    ensureFleetRootfs((line) => console.log(`fleet rootfs: ${line}`));
    controller = buildStackmonCopy();
    lab = await FleetLab.start({
      hosts: HOSTS,
      name: "ha",
      subnet: SUBNET,
      log: (l) => console.log(`lab: ${l}`),
    });
    work = mkdtempSync(join(tmpdir(), "stackmon-ha-e2e-"));
    mattermost = await LabMattermost.start(lab, {
      address: `${SUBNET}.1`,
      postsFile: join(work, "posts.jsonl"),
      channels: ["ops-critical", "ops"],
    });
    const hookUrlFile = join(work, "mattermost.url");
    writeFileSync(hookUrlFile, `${mattermost.hookUrl}\n`, { mode: 0o600 });
    const [mon1, mon2, store1, web1] = HOSTS.map((name) => lab.host(name).address);
    config = join(work, "stackmon.yml");
    stackmon = labStackmon(lab, { controller, config, state: join(work, "state") });
    writeFileSync(
      config,
      `global: { scrape_interval: 5s, evaluation_interval: 5s }
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
    AlertmanagerClusterMemberMissing: { for: 10s }
hosts:
  mon1: { ssh: root@${mon1}, roles: [server] }
  mon2: { ssh: root@${mon2}, roles: [server] }
  store1: { ssh: root@${store1}, roles: [storage] }
  web1: { ssh: root@${web1} }
`,
    );
  });

  after(async () => {
    await lab?.close();
    if (controller) rmSync(controller, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("goes from nothing to verified, and a second apply changes nothing anywhere", async () => {
    const applied = await stackmon("apply");
    assert.equal(applied.status, 0, `${applied.stdout}\n${applied.stderr}`);
    const verified = await stackmon("verify", "--wait", "240s");
    assert.equal(verified.status, 0, verified.stdout);
    for (const server of ["mon1", "mon2"]) {
      for (const target of [
        "node web1",
        "node store1",
        "prometheus mon1",
        "prometheus mon2",
        "alertmanager mon2",
      ]) {
        assert.match(
          verified.stdout,
          new RegExp(`^${server} +target ${target} +OK`, "m"),
          `${server}: ${target}`,
        );
      }
    }
    const storeAddress = lab.host("store1").address.replaceAll(".", "\\.");
    for (const server of ["mon1", "mon2"]) {
      // Each asks its Prometheus, which scrapes both: each queue's samples arrive, none refused.
      for (const writer of ["mon1", "mon2"]) {
        assert.match(
          verified.stdout,
          new RegExp(
            `^${server} +remote write stackmon-storage from ${writer} +OK +samples arrive at https://${storeAddress}:8428/api/v1/write \\(\\d+ s behind\\)`,
            "m",
          ),
          `${server}: the queue of ${writer}`,
        );
      }
      assert.match(verified.stdout, new RegExp(`^${server} +target victoriametrics store1 +OK`, "m"));
    }
    assert.match(verified.stdout, /^store1 +service victoria-metrics\.service +OK +active, https:/m);
    const again = await stackmon("apply");
    assert.equal(again.status, 0, again.stdout);
    for (const host of HOSTS) assert.match(again.stdout, new RegExp(`^${host} +unchanged `, "m"));
  });

  it(`runs VictoriaMetrics on store1 under stackmon's hardened unit (exposure at most ${MAX_EXPOSURE}), the password never in argv or its journal`, async () => {
    const on = async (command: string, args: readonly string[]) => {
      const result = await lab.exec("store1", command, args);
      assert.equal(result.status, 0, `store1: ${command} ${args.join(" ")}: ${result.stderr}`);
      return result.stdout.trim();
    };
    const unit = "victoria-metrics.service";
    const report = await on("systemd-analyze", ["security", "--no-pager", unit]);
    const exposure = Number(
      /Overall exposure level for victoria-metrics\.service: ([\d.]+)/.exec(report)?.[1],
    );
    assert.ok(exposure <= MAX_EXPOSURE, `exposure ${exposure} > ${MAX_EXPOSURE}:\n${report}`);
    assert.equal(await on("systemctl", ["show", "-p", "User", "--value", unit]), "_victoria-metrics");
    assert.equal(await on("stat", ["-c", "%U %a", "/var/lib/victoria-metrics"]), "_victoria-metrics 750");
    const pid = await on("systemctl", ["show", "-p", "MainPID", "--value", unit]);
    const argv = (await on("cat", [`/proc/${pid}/cmdline`])).split("\0");
    // The default retention (12 months) and one sample per series per scrape interval of the pair.
    for (const flag of ["-retentionPeriod=12", "-dedup.minScrapeInterval=5s", "-tls", "-envflag.enable"])
      assert.ok(argv.includes(flag), `${flag} in ${argv.join(" ")}`);
    const secret = readFileSync(join(work, "state/hosts/store1/scrape.password"), "utf8").trim();
    assert.ok(!argv.join(" ").includes(secret), "the password is not in argv");
    const environ = (await on("cat", [`/proc/${pid}/environ`])).split("\0");
    assert.ok(
      environ.includes(`httpAuth_password=${secret}`),
      "it has the password from its environment file",
    );
    assert.equal(
      await on("stat", ["-c", "%U:%G %a", "/etc/stackmon/victoria-metrics/environment"]),
      "root:root 600",
    );
    const address = lab.host("store1").address;
    const status = async (url: string, ...args: string[]) =>
      (await lab.lanExec("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", ...args, url])).stdout;
    const query = `${address}:8428/api/v1/query?query=up`;
    assert.equal(await status(`https://${query}`, "--cacert", join(work, "state/ca.crt")), "401");
    assert.notEqual(await status(`http://${query}`), "200", "no plain HTTP");
    const journal = await on("journalctl", ["-u", "victoria-metrics", "--no-pager", "-o", "cat"]);
    assert.match(journal, /flag "httpAuth\.password"="secret"/);
    assert.ok(!journal.includes(secret), "nor in its journal");
  });

  it("keeps one series per target in storage although both servers write, without their replica label", async () => {
    // Both write every 5 s: each target's series must be there once, with samples of both merged.
    await new Promise((r) => setTimeout(r, 30_000));
    const series = await storageQuery('count by (instance) (up{job="node"})');
    assert.deepEqual(
      series.map((s) => [s.metric["instance"], s.value[1]]).sort(),
      HOSTS.map((h) => [h, "1"]).sort(),
    );
    assert.deepEqual(await storageQuery('count({replica!=""})'), [], "no series keeps the replica label");
    const samples = Number(
      (await storageQuery('count_over_time(up{job="node",instance="web1"}[60s])'))[0]?.value[1],
    );
    assert.ok(samples >= 9 && samples <= 14, `one sample per 5 s in a minute, not two: ${samples}`);
  });

  it("leaves no gap in storage while one server is stopped for a minute", async () => {
    await lab.exec("mon1", "systemctl", ["stop", "prometheus.service"]);
    try {
      await new Promise((r) => setTimeout(r, 65_000));
      const samples = Number(
        (await storageQuery('count_over_time(up{job="node",instance="web1"}[60s])'))[0]?.value[1],
      );
      assert.ok(samples >= 9, `mon2 kept writing while mon1 was stopped: ${samples} samples in a minute`);
    } finally {
      await lab.exec("mon1", "systemctl", ["start", "prometheus.service"]);
    }
  });

  it("posts an alert once with both Alertmanagers up, and once with one of them gone, which alerts too", async () => {
    let since = posts().length;
    await lab.exec("web1", "systemctl", ["stop", "prometheus-node-exporter.service"]);
    await waitForPost((p) => /^(Critical|Warning): node at web1 is down$/.test(title(p)), since);
    await new Promise((r) => setTimeout(r, 20_000));
    const once = posts()
      .slice(since)
      .filter((p) => /^(Critical|Warning): node at web1 is down$/.test(title(p)));
    assert.equal(once.length, 1, "two Prometheus, two Alertmanagers, one post");
    await lab.exec("web1", "systemctl", ["start", "prometheus-node-exporter.service"]);
    await waitForPost((p) => title(p) === "Resolved: node at web1 is down", since);

    await lab.exec("mon1", "systemctl", ["stop", "prometheus-alertmanager.service"]);
    try {
      await waitForPost((p) => /Alertmanager at mon2 sees only 1 of its cluster/.test(p.visible), since);
      since = posts().length;
      await lab.exec("web1", "systemctl", ["stop", "prometheus-node-exporter.service"]);
      await waitForPost((p) => /^(Critical|Warning): node at web1 is down$/.test(title(p)), since);
      await new Promise((r) => setTimeout(r, 20_000));
      const stillOnce = posts()
        .slice(since)
        .filter((p) => /^(Critical|Warning): node at web1 is down$/.test(title(p)));
      assert.equal(stillOnce.length, 1, "mon2's Alertmanager alone posts it, once");
    } finally {
      await lab.exec("web1", "systemctl", ["start", "prometheus-node-exporter.service"]);
      await lab.exec("mon1", "systemctl", ["start", "prometheus-alertmanager.service"]);
    }
  });

  it("silences over SSH through the server that answers, and the cluster shares it once both are back", async () => {
    interface Listed {
      readonly id: string;
      readonly status: { readonly state: string };
    }
    await lab.exec("mon1", "systemctl", ["stop", "prometheus-alertmanager.service"]);
    let id: string;
    try {
      const added = await stackmon(
        "silence",
        "add",
        "--host",
        "store1",
        "--for",
        "30m",
        "--comment",
        "e2e",
        "--json",
      );
      assert.equal(added.status, 0, `${added.stdout}\n${added.stderr}`);
      assert.match(added.stderr, /on mon1 did not answer; trying the next server/);
      id = (JSON.parse(added.stdout) as { id: string }).id;
    } finally {
      await lab.exec("mon1", "systemctl", ["start", "prometheus-alertmanager.service"]);
    }
    // mon1 answers first again, and knows the silence made while it was down only by gossip.
    await eventually(
      `mon1 listing ${id}`,
      async () => {
        const listed = await stackmon("silence", "list", "--json");
        if (listed.status !== 0 || /mon1 did not answer/.test(listed.stderr)) {
          throw new Error(`mon1 did not answer: ${listed.stderr}`);
        }
        return (JSON.parse(listed.stdout) as Listed[]).some(
          (s) => s.id === id && s.status.state === "active",
        );
      },
      60_000,
      2_000,
    );
    const expired = await stackmon("silence", "expire", id, "--json");
    assert.equal(expired.status, 0, `${expired.stdout}\n${expired.stderr}`);
    const all = JSON.parse((await stackmon("silence", "list", "--all", "--json")).stdout) as Listed[];
    assert.equal(all.find((s) => s.id === id)?.status.state, "expired");
  });
});

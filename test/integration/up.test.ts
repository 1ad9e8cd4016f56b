// `stackmon up` with the real Debian binaries: every target up, a real MariaDB behind the mysqld
// exporter, blackbox probes that succeed and fail, one `up` per work directory, data kept.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PrometheusClient } from "../../src/lib/prometheusClient.js";
import { startMariaDb, type TestMariaDb } from "../helpers/mariadb.js";
import { freePort, freePorts } from "../helpers/ports.js";
import { runCli, runCliAsync, startUp, tempDir, type UpProcess } from "../helpers/stackmon.js";
import { eventually } from "../helpers/eventually.js";

describe("stackmon up with real binaries", () => {
  let db: TestMariaDb;
  let site: Server;
  let up: UpProcess;
  let prometheus: PrometheusClient;
  let closedPort: number;
  let ports: number[];
  let configText: string;
  const dir = tempDir("stackmon-up-it-");

  before(async () => {
    db = await startMariaDb();
    site = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((r) => site.listen(0, "127.0.0.1", r));
    const address = site.address();
    const sitePort = typeof address === "object" && address ? address.port : 0;
    closedPort = await freePort();
    ports = await freePorts(5);
    const [prom, am, node, mysql, blackbox] = ports;
    configText = `
global:
  hostname: it-host
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
prometheus: {listen_address: "127.0.0.1:${prom}"}
alertmanager: {listen_address: "127.0.0.1:${am}"}
exporters:
  node: {listen_address: "127.0.0.1:${node}"}
  mysql:
    enabled: true
    listen_address: "127.0.0.1:${mysql}"
    host: 127.0.0.1
    port: ${db.port}
    user: ${db.exporterUser}
    password_file: ${db.exporterPasswordFile}
  blackbox:
    listen_address: "127.0.0.1:${blackbox}"
    probe_timeout: 1s
    targets:
      - url: http://127.0.0.1:${sitePort}/
        name: local-site
      - url: http://127.0.0.1:${closedPort}/
        name: closed-port
`;
    up = await startUp(configText, { dir });
    prometheus = new PrometheusClient(`http://127.0.0.1:${prom}`);
  });

  after(async () => {
    await up?.stop();
    await db?.stop();
    site?.close();
  });

  it("reports every target up in Prometheus", async () => {
    const targets = await eventually("every target up", async () => {
      const list = await prometheus.activeTargets();
      const scraped = list.filter((t) => t.job !== "blackbox_http");
      return scraped.length > 0 && scraped.every((t) => t.health === "up") ? list : undefined;
    });
    const jobs = [...new Set(targets.map((t) => t.job))].sort();
    assert.deepEqual(jobs, ["alertmanager", "blackbox", "blackbox_http", "mysql", "node", "prometheus"]);
    assert.match(up.output(), /all targets up/);
  });

  it("scrapes the real MariaDB through the mysqld exporter: mysql_up is 1", async () => {
    const value = await eventually("mysql_up == 1", async () => {
      const [sample] = await prometheus.query('mysql_up{job="mysql"}');
      return sample?.value === 1 ? sample.value : undefined;
    });
    assert.equal(value, 1);
  });

  it("verify names a collector that fails: here the replica status, which MariaDB 10.11 keeps behind SLAVE MONITOR", async () => {
    // The test database's exporter user has PROCESS, REPLICATION CLIENT and SELECT only, so
    // Debian's mysqld_exporter 0.14 counts an error for collect.slave_status at every scrape.
    interface Checks {
      checks: { check: string; status: string; detail: string }[];
    }
    const checks = await eventually("verify naming the failing collector", async () => {
      // Not blocking: this process serves the site the blackbox exporter probes meanwhile.
      const result = await runCliAsync(["verify", "-c", join(dir, "stackmon.yml"), "--json"]);
      const parsed = JSON.parse(result.stdout) as Checks;
      const mysql = parsed.checks.find((c) => c.check === "mysql exporter collectors");
      return mysql?.status === "fail" ? { status: result.status, ...parsed } : undefined;
    });
    assert.equal(checks.status, 2);
    const byName = new Map(checks.checks.map((c) => [c.check, c]));
    assert.equal(byName.get("mysql exporter collectors")?.detail, "failing: collect.slave_status at it-host");
    assert.deepEqual(byName.get("node exporter collectors"), {
      check: "node exporter collectors",
      status: "ok",
      detail: "none failing",
    });
  });

  it("probes a live local site successfully and a closed port as failed", async () => {
    const results = await eventually("both probes", async () => {
      const samples = await prometheus.query('probe_success{job="blackbox_http"}');
      return samples.length === 2 ? samples : undefined;
    });
    const bySite = Object.fromEntries(results.map((s) => [s.metric["site"], s.value]));
    assert.deepEqual(bySite, { "closed-port": 0, "local-site": 1 });
  });

  it("refuses a second up on the same work directory instead of fighting over ports", () => {
    const second = runCli(["up", "-c", `${dir}/stackmon.yml`, "--dir", `${dir}/work`, "--no-install"]);
    assert.equal(second.status, 1);
    assert.match(second.stderr, /stackmon up is already running for .* \(pid \d+\)/);
  });

  it("restarts a crashed child with backoff and the target comes back", async () => {
    const pids = [...up.output().matchAll(/started service=node pid=(\d+)/g)].map((m) => Number(m[1]));
    const pid = pids[pids.length - 1];
    assert.ok(pid, "node exporter pid reported");
    process.kill(pid, "SIGKILL");
    await up.waitFor(/exited, restarting service=node code=-1 signal=SIGKILL restart_in_ms=\d+/);
    const restarted = await eventually("a new node exporter process", () => {
      const now = [...up.output().matchAll(/started service=node pid=(\d+)/g)].map((m) => Number(m[1]));
      return now.length > pids.length ? now[now.length - 1] : undefined;
    });
    assert.notEqual(restarted, pid);
    await eventually("node target up again", async () => {
      const [sample] = await prometheus.query('up{job="node"}');
      return sample?.value === 1 ? true : undefined;
    });
  });

  it("stops every child on SIGTERM, exits 0, and keeps Prometheus data for the next up", async () => {
    const [before] = await prometheus.query('up{job="node"}');
    assert.equal(before?.value, 1);
    const stoppedAt = Date.now() / 1000;
    assert.equal(await up.stop(), 0);
    await assert.rejects(
      prometheus.ready().then((ok) => (ok ? Promise.resolve() : Promise.reject(new Error("down")))),
    );

    up = await startUp(configText, { dir });
    const earlier = await eventually("samples from before the restart", async () => {
      const query = encodeURIComponent('up{job="node"}');
      const url = `${prometheus.baseUrl}/api/v1/query_range?query=${query}&start=${stoppedAt - 60}&end=${stoppedAt}&step=1`;
      const body = (await (await fetch(url)).json()) as { data: { result: { values: unknown[] }[] } };
      const values = body.data.result.flatMap((series) => series.values);
      return values.length > 0 ? values : undefined;
    });
    assert.ok(earlier.length > 0);
  });
});

// Our own exporters under `stackmon up`: Prometheus scrapes the PM2 exporter watching a real
// daemon and the Duplicati exporter fed a real report.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PrometheusClient } from "../../src/lib/prometheusClient.js";
import { HTTP_APP, startPm2, type TestPm2 } from "../helpers/pm2.js";
import { freePorts } from "../helpers/ports.js";
import { REPO_ROOT, startUp, type UpProcess } from "../helpers/stackmon.js";
import { eventually } from "../helpers/eventually.js";

const TOKEN = "up-test-token-0123456789";

describe("stackmon up with the PM2 and Duplicati exporters", () => {
  let pm2: TestPm2;
  let up: UpProcess;
  let prometheus: PrometheusClient;
  let duplicatiPort: number;

  before(async () => {
    pm2 = startPm2();
    pm2.run(["start", pm2.app("http", HTTP_APP), "--name", "shop"]);
    const [prom, am, node, blackbox, pm2Port, dup] = await freePorts(6);
    duplicatiPort = dup ?? 0;
    up = await startUp(
      `
global: {hostname: it-host, scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
prometheus: {listen_address: "127.0.0.1:${prom}"}
alertmanager: {listen_address: "127.0.0.1:${am}"}
exporters:
  node: {listen_address: "127.0.0.1:${node}"}
  blackbox: {listen_address: "127.0.0.1:${blackbox}"}
  pm2: {enabled: true, user: root, pm2_home: "${pm2.home}", listen_address: "127.0.0.1:${pm2Port}"}
  duplicati:
    enabled: true
    listen_address: "127.0.0.1:${dup}"
    token_env: DUPLICATI_TOKEN
    scrape_interval: 1s
    backups: [{name: never-reports, max_age: 1h}]
`,
      { env: { ...process.env, DUPLICATI_TOKEN: TOKEN } },
    );
    prometheus = new PrometheusClient(`http://127.0.0.1:${prom}`);
  });
  after(async () => {
    await up?.stop();
    pm2?.stop();
  });

  it("has Prometheus scrape the PM2 exporter, which sees the daemon's processes", async () => {
    const samples = await eventually("shop online in Prometheus", async () => {
      const s = await prometheus.query('pm2_process_status{job="pm2",name="shop",status="online"}');
      return s[0]?.value === 1 ? s : undefined;
    });
    assert.equal(samples[0]?.metric["instance"], "it-host");
  });

  it("has Prometheus see a Duplicati report posted to the exporter", async () => {
    const report = readFileSync(
      join(REPO_ROOT, "test/fixtures/duplicati/json-error-long-duration.json"),
      "utf8",
    );
    const response = await fetch(`http://127.0.0.1:${duplicatiPort}/report?token=${TOKEN}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: report,
    });
    assert.equal(response.status, 200);
    const samples = await eventually("the Error result in Prometheus", async () => {
      const s = await prometheus.query(
        'duplicati_backup_last_result{job="duplicati",backup="db dumps",result="Error"}',
      );
      return s[0]?.value === 1 ? s : undefined;
    });
    assert.equal(samples.length, 1);
    const stale = await prometheus.query('duplicati_backup_stale{backup="never-reports"}');
    assert.equal(stale[0]?.value, 1);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertGolden } from "../../../test/helpers/golden.js";
import { parseExposition, sampleValue } from "../../../test/helpers/exposition.js";
import type { CollectorStatus } from "./collector.js";
import { renderPm2Metrics } from "./metrics.js";
import { parsePm2List } from "./parsePm2List.js";

const AWKWARD = 'Nutzer "aktiv" \\ Zähler ✓';

/** Two processes as getMonitorData gives them: one publishing its own @pm2/io metrics, one stopped. */
const LIST = [
  {
    name: "shop",
    pm_id: 0,
    monit: { memory: 52428800, cpu: 12.5 },
    pm2_env: {
      namespace: "default",
      exec_mode: "cluster_mode",
      status: "online",
      pm_uptime: 1700000000000,
      restart_time: 2,
      unstable_restarts: 0,
      version: "1.4.0",
      exec_interpreter: "node",
      node_version: "20.11.1",
      SHOP_DB_PASSWORD: "hunter2",
      env: { SHOP_DB_PASSWORD: "hunter2" },
      axm_monitor: {
        "Heap Size": { value: "32.50", unit: "MiB" },
        HTTP: { value: 120, unit: "req/min" },
        "Realtime users": { value: 42 },
        "Jobs done": { value: 17 },
        Requests: { value: 3.5, unit: "req/min" },
        "Query time": { value: 12.5, unit: "ms" },
        "Heap Usage": { value: 61.5, unit: "%" },
        [AWKWARD]: { value: 3 },
        Release: { value: "v1.4.0" },
      },
    },
  },
  {
    name: 'wo"rker',
    pm_id: 1,
    monit: { memory: 0, cpu: 0 },
    pm2_env: {
      namespace: "jobs",
      exec_mode: "fork_mode",
      status: "stopped",
      restart_time: 0,
      version: "N/A",
    },
  },
];

/** As the collector serves it: the running process's CPU time read from /proc. */
function statusOf(list: unknown): CollectorStatus {
  const { processes, skipped } = parsePm2List(list, { ioMetricsLimit: 50 });
  return {
    snapshot: {
      processes: processes.map((p) => (p.status === "online" ? { ...p, cpuSeconds: 4.25 } : p)),
      skipped,
    },
    daemonUp: true,
    lastSuccessTime: 1700000100,
    lastDurationSeconds: 0.012,
    collections: 3,
    errors: 1,
    version: 3,
    listVersion: 3,
  };
}

describe("the PM2 exporter's metrics", () => {
  const text = renderPm2Metrics(statusOf(LIST));
  const samples = parseExposition(text);

  it("match their golden file", () => {
    assertGolden("pm2/metrics.txt", text);
  });

  it("export every numeric @pm2/io metric under its name, in base units", () => {
    const shop = { name: "shop", pm_id: "0" };
    assert.equal(sampleValue(samples, "pm2_process_io_metric", { ...shop, metric: "Realtime users" }), 42);
    assert.equal(sampleValue(samples, "pm2_process_io_metric", { ...shop, metric: "Jobs done" }), 17);
    assert.equal(
      sampleValue(samples, "pm2_process_io_metric_seconds", { ...shop, metric: "Query time" }),
      0.0125,
    );
    assert.equal(
      sampleValue(samples, "pm2_process_io_metric_ratio", { ...shop, metric: "Heap Usage" }),
      0.615,
    );
    const perSecond = sampleValue(samples, "pm2_process_io_metric_per_second", {
      ...shop,
      metric: "Requests",
    });
    assert.ok(Math.abs((perSecond ?? 0) - 3.5 / 60) < 1e-12, `3.5 req/min is ${perSecond} per second`);
    assert.ok(!samples.some((s) => s.labels["metric"] === "Release"), "a text value is skipped");
    assert.ok(!samples.some((s) => s.labels["metric"] === "Heap Size"), "built-ins keep their own families");
  });

  it("round-trips names with quotes, backslashes and non-ASCII through the exposition", () => {
    assert.equal(sampleValue(samples, "pm2_process_io_metric", { metric: AWKWARD }), 3);
    assert.equal(sampleValue(samples, "pm2_process_status", { name: 'wo"rker', status: "stopped" }), 1);
  });

  it("never carries an environment value", () => {
    assert.doesNotMatch(text, /hunter2|SHOP_DB_PASSWORD/);
  });

  it("drops every process series when there is no snapshot, keeping the exporter's own", () => {
    const down = parseExposition(
      renderPm2Metrics({ ...statusOf(LIST), snapshot: undefined, daemonUp: false }),
    );
    assert.ok(!down.some((s) => s.name.startsWith("pm2_process_") || s.name === "pm2_app_instances"));
    assert.equal(sampleValue(down, "pm2_daemon_up"), 0);
    assert.equal(sampleValue(down, "pm2_exporter_collections_total"), 3);
  });
});

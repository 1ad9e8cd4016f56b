import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePm2List } from "./parsePm2List.js";

const LIST = JSON.stringify([
  {
    pid: 101,
    name: "api",
    pm_id: 0,
    monit: { memory: 52428800, cpu: 12.5 },
    pm2_env: {
      name: "api",
      namespace: "shop",
      exec_mode: "cluster_mode",
      status: "online",
      pm_uptime: 1700000000000,
      restart_time: 3,
      unstable_restarts: 0,
      prev_restart_delay: 1500,
      version: "2.4.1",
      exec_interpreter: "node",
      node_version: "20.11.1",
      env: { DATABASE_PASSWORD: "hunter2" },
      DATABASE_PASSWORD: "hunter2",
      axm_monitor: {
        "Heap Size": { value: "32.50", unit: "MiB" },
        "Used Heap Size": { value: "20.00", unit: "MiB" },
        "Event Loop Latency": { value: "0.52", unit: "ms" },
        "Event Loop Latency p95": { value: "2.10", unit: "ms" },
        "Active handles": { value: 7 },
        HTTP: { value: "120", unit: "req/min" },
        "HTTP P95 Latency": { value: 35, unit: "ms" },
        "Heap Usage": { value: 61.5, unit: "%" },
        "Realtime users": { value: 42 },
        "Checkout time": { value: "120", unit: "ms" },
        Build: { value: "hunter2" },
      },
    },
  },
  { name: "half", pm_id: 1, monit: null, pm2_env: { status: "errored", version: "N/A" } },
  { name: "no-id", pm2_env: {} },
  "garbage",
  null,
]);

describe("parsing PM2's process list", () => {
  const snapshot = parsePm2List(JSON.parse(LIST));

  it("keeps pm_id 0 and reads labels, usage, start time, restarts and versions", () => {
    const api = snapshot.processes[0];
    assert.deepEqual(
      { ...api, io: undefined, ioMetrics: undefined },
      {
        pmId: 0,
        name: "api",
        namespace: "shop",
        execMode: "cluster",
        status: "online",
        pid: 101,
        cpuPercent: 12.5,
        memoryBytes: 52428800,
        startTime: 1700000000,
        restarts: 3,
        unstableRestarts: 0,
        restartDelaySeconds: 1.5,
        version: "2.4.1",
        interpreter: "node",
        nodeVersion: "20.11.1",
        io: undefined,
        ioMetrics: undefined,
        ioMetricsDropped: 0,
      },
    );
  });

  it("takes the pid an app declares to @pm2/io over the one PM2 started, as PM2 measures it", () => {
    const [declared, bad] = parsePm2List([
      { name: "wrapper", pm_id: 5, pid: 200, pm2_env: { status: "online", axm_options: { pid: 201 } } },
      { name: "odd", pm_id: 6, pid: "x", pm2_env: { status: "online" } },
    ]).processes;
    assert.equal(declared?.pid, 201);
    assert.equal(bad?.pid, undefined);
  });

  it("reads @pm2/io metrics into base units", () => {
    const io = snapshot.processes[0]?.io ?? {};
    const expected = {
      heapSizeBytes: 32.5 * 1024 * 1024,
      heapUsedBytes: 20 * 1024 * 1024,
      eventLoopLatencySeconds: 0.00052,
      eventLoopLatencyP95Seconds: 0.0021,
      activeHandles: 7,
      httpRequestsPerMinute: 120,
      httpP95LatencySeconds: 0.035,
    };
    assert.deepEqual(Object.keys(io).sort(), Object.keys(expected).sort());
    for (const [key, value] of Object.entries(expected)) {
      assert.ok(Math.abs((io[key as keyof typeof io] ?? NaN) - value) < 1e-12, key);
    }
  });

  it("reads the app's own @pm2/io metrics by unit, apart from the built-ins with families of their own", () => {
    assert.deepEqual(snapshot.processes[0]?.ioMetrics, [
      { name: "Checkout time", family: "seconds", value: 0.12 },
      { name: "Heap Usage", family: "ratio", value: 0.615 },
      { name: "Realtime users", family: "plain", value: 42 },
    ]);
  });

  it("caps the @pm2/io metrics per process as told", () => {
    const capped = parsePm2List(JSON.parse(LIST), { ioMetricsLimit: 1 }).processes[0];
    assert.deepEqual(
      capped?.ioMetrics.map((m) => m.name),
      ["Checkout time"],
    );
    assert.equal(capped?.ioMetricsDropped, 2);
  });

  it("tolerates a half-filled entry (null monit) and skips unusable ones", () => {
    assert.deepEqual(snapshot.processes[1], {
      pmId: 1,
      name: "half",
      namespace: "default",
      execMode: "unknown",
      status: "errored",
      io: {},
      ioMetrics: [],
      ioMetricsDropped: 0,
    });
    assert.equal(snapshot.skipped, 3);
  });

  it("never carries environment values", () => {
    assert.doesNotMatch(JSON.stringify(snapshot), /hunter2/);
  });

  it("rejects an answer that is not a list", () => {
    assert.throws(() => parsePm2List({ error: "x" }), /instead of a process list/);
    assert.throws(() => parsePm2List(null), /answered null/);
  });
});

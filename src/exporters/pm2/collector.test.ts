import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "../../lib/log.js";
import { Pm2Collector, Pm2Timeout, type Pm2Source } from "./collector.js";
import type { Pm2Process } from "./parsePm2List.js";
import type { ProcessProbe, ProcReading } from "./procStat.js";

const LIST = [{ name: "shop", pm_id: 0, pm2_env: { status: "online" } }];

/** A daemon whose every answer the test decides, counting the questions. */
class ScriptedDaemon implements Pm2Source {
  calls = 0;
  constructor(private readonly answer: () => Promise<unknown>) {}
  list(): Promise<unknown> {
    this.calls++;
    return this.answer();
  }
  close(): void {}
}

/** A collector on the test's clock; without a probe, every scrape asks the daemon. */
function collectorOf(daemon: Pm2Source, clock: { ms: number }, lines: string[] = [], probe?: ProcessProbe) {
  return new Pm2Collector(daemon, {
    ...(probe ? { probe } : {}),
    minAgeMs: 9000,
    listMaxAgeMs: 60_000,
    timeoutMs: 50,
    staleLimitMs: 300_000,
    ioMetricsLimit: 50,
    logger: createLogger("debug", (line) => lines.push(line)),
    now: () => clock.ms,
  });
}

describe("collection driven by scrapes", () => {
  it("asks the daemon only when the last collection is older than the minimum age", async () => {
    const daemon = new ScriptedDaemon(() => Promise.resolve(LIST));
    const clock = { ms: 0 };
    const collector = collectorOf(daemon, clock);
    const first = await collector.current();
    clock.ms = 8999;
    const shared = await collector.current();
    assert.equal(daemon.calls, 1, "a second scrape within 9 s shares the collection");
    assert.equal(shared.version, first.version);
    clock.ms = 9000;
    await collector.current();
    assert.equal(daemon.calls, 2);
  });

  it("lets scrapes that arrive during a collection share it: one request in flight", async () => {
    let answer: (list: unknown) => void = () => undefined;
    const daemon = new ScriptedDaemon(() => new Promise((resolve) => (answer = resolve)));
    const collector = collectorOf(daemon, { ms: 0 });
    const scrapes = [collector.current(), collector.current(), collector.current()];
    answer(LIST);
    const statuses = await Promise.all(scrapes);
    assert.equal(daemon.calls, 1);
    assert.ok(statuses.every((s) => s.daemonUp && s.snapshot?.processes[0]?.name === "shop"));
  });

  it("answers a scrape within the timeout when the daemon never answers", async () => {
    const daemon = new ScriptedDaemon(() => new Promise(() => undefined));
    const status = await collectorOf(daemon, { ms: 0 }).current();
    assert.equal(status.daemonUp, false);
    assert.equal(status.errors, 1);
  });

  it("serves a slow daemon's last snapshot, marked down, until the stale limit", async () => {
    let slow = false;
    const daemon = new ScriptedDaemon(() =>
      slow ? Promise.reject(new Pm2Timeout("PM2 did not answer within 50 ms")) : Promise.resolve(LIST),
    );
    const clock = { ms: 0 };
    const collector = collectorOf(daemon, clock);
    const good = await collector.current();
    slow = true;
    clock.ms = 10_000;
    const stale = await collector.current();
    assert.equal(stale.daemonUp, false);
    assert.deepEqual(stale.snapshot, good.snapshot, "the last snapshot is still served");
    assert.equal(stale.lastSuccessTime, good.lastSuccessTime, "its age shows in the last success time");
    clock.ms = 300_000;
    const dropped = await collector.current();
    assert.equal(dropped.snapshot, undefined, "five minutes on, the snapshot is dropped");
    assert.equal(dropped.lastSuccessTime, undefined);
  });

  it("drops the process series at once when the daemon is gone", async () => {
    let gone = false;
    const daemon = new ScriptedDaemon(() =>
      gone ? Promise.reject(new Error("no PM2 daemon answers: ECONNREFUSED")) : Promise.resolve(LIST),
    );
    const clock = { ms: 0 };
    const collector = collectorOf(daemon, clock);
    await collector.current();
    gone = true;
    clock.ms = 10_000;
    const status = await collector.current();
    assert.equal(status.daemonUp, false);
    assert.equal(status.snapshot, undefined);
  });

  it("counts an answer that is not a process list as a failed collection", async () => {
    const status = await collectorOf(new ScriptedDaemon(() => Promise.resolve({ no: "list" })), {
      ms: 0,
    }).current();
    assert.deepEqual([status.daemonUp, status.errors, status.collections], [false, 1, 1]);
  });

  it("logs one warning per outage, and again once the daemon is back", async () => {
    let down = true;
    const daemon = new ScriptedDaemon(() =>
      down ? Promise.reject(new Error("ECONNREFUSED")) : Promise.resolve(LIST),
    );
    const clock = { ms: 0 };
    const lines: string[] = [];
    const collector = collectorOf(daemon, clock, lines);
    for (const ms of [0, 10_000, 20_000]) {
      clock.ms = ms;
      await collector.current();
    }
    down = false;
    clock.ms = 30_000;
    await collector.current();
    assert.equal(lines.filter((l) => l.includes("level=warn")).length, 1);
    assert.equal(lines.filter((l) => l.includes('msg="PM2 daemon reachable"')).length, 1);
  });
});

/** /proc as the test sets it: each pid's reading, and the daemon's pid file. */
class FakeProbe implements ProcessProbe {
  daemon: number | undefined = 100;
  readonly readings = new Map<number, ProcReading>([[100, { cpuSeconds: 1, rssBytes: 1, startTicks: 1 }]]);
  reads = 0;
  daemonPid(): number | undefined {
    return this.daemon;
  }
  read(pid: number): ProcReading {
    this.reads++;
    return this.readings.get(pid) ?? "gone";
  }
  kept: number[] = [];
  release(keep: ReadonlySet<number>): void {
    this.kept = [...keep].sort();
  }
}

const entry = (pmId: number, pid: number, extra: Record<string, unknown> = {}) => ({
  name: `app${pmId}`,
  pm_id: pmId,
  pid,
  monit: { cpu: 3, memory: 1000 },
  pm2_env: { status: "online", restart_time: 0, ...extra },
});

function probedCollector(daemon: Pm2Source, probe: FakeProbe, clock: { ms: number }) {
  return collectorOf(daemon, clock, [], probe);
}

/** A collector whose first scrape, at 0 ms, found pid 500 running. */
async function afterFirstScrape(daemon: Pm2Source) {
  const probe = new FakeProbe();
  probe.readings.set(500, { cpuSeconds: 1, rssBytes: 4096, startTicks: 7 });
  const clock = { ms: 0 };
  const collector = probedCollector(daemon, probe, clock);
  await collector.current();
  return { probe, clock, collector };
}

const processOf = (status: { snapshot: { processes: readonly Pm2Process[] } | undefined }, pmId: number) =>
  status.snapshot?.processes.find((p) => p.pmId === pmId);

describe("between two lists, /proc", () => {
  it("gives CPU and memory at every scrape while the daemon is asked once a list age", async () => {
    const daemon = new ScriptedDaemon(() => Promise.resolve([entry(0, 500)]));
    const probe = new FakeProbe();
    probe.readings.set(500, { cpuSeconds: 10, rssBytes: 4096 * 10, startTicks: 7 });
    const clock = { ms: 0 };
    const collector = probedCollector(daemon, probe, clock);
    const first = await collector.current();
    assert.equal(processOf(first, 0)?.cpuPercent, 3, "PM2's own figure until there are two readings");
    assert.equal(processOf(first, 0)?.memoryBytes, 40960, "memory from /proc at once");
    assert.equal(processOf(first, 0)?.cpuSeconds, 10);

    probe.readings.set(500, { cpuSeconds: 13, rssBytes: 4096 * 20, startTicks: 7 });
    clock.ms = 15_000;
    const second = await collector.current();
    assert.equal(processOf(second, 0)?.cpuPercent, 20, "3 CPU seconds in 15 s");
    assert.equal(processOf(second, 0)?.memoryBytes, 81920);
    for (const ms of [30_000, 45_000]) {
      clock.ms = ms;
      await collector.current();
    }
    assert.equal(daemon.calls, 1, "four scrapes in a minute, one list");
    assert.deepEqual(probe.kept, [100, 500], "what is read stays open: the daemon and its process");
    assert.equal(second.collections, 1);
  });

  it("renews an old list in the background: that scrape does not wait, the next one has it", async () => {
    let answer: (list: unknown) => void = () => undefined;
    let calls = 0;
    const daemon = new ScriptedDaemon(() =>
      calls++ === 0 ? Promise.resolve([entry(0, 500)]) : new Promise((resolve) => (answer = resolve)),
    );
    const { probe, clock, collector } = await afterFirstScrape(daemon);
    probe.readings.set(501, { cpuSeconds: 1, rssBytes: 4096, startTicks: 8 });
    clock.ms = 60_000;
    const served = await collector.current();
    assert.equal(daemon.calls, 2, "the list is being renewed");
    assert.equal(served.snapshot?.processes.length, 1, "served at once, from the old list");
    answer([entry(0, 500), entry(1, 501)]);
    await collector.settled();
    clock.ms = 75_000;
    const next = await collector.current();
    assert.deepEqual(
      next.snapshot?.processes.map((p) => p.name),
      ["app0", "app1"],
    );
    assert.equal(next.lastSuccessTime !== undefined && next.daemonUp, true);
  });

  it("asks the daemon, and waits, when a process ended or its pid now belongs to another", async () => {
    let restarts = 0;
    const daemon = new ScriptedDaemon(() => Promise.resolve([entry(0, 500, { restart_time: restarts })]));
    const { probe, clock, collector } = await afterFirstScrape(daemon);

    probe.readings.delete(500);
    restarts = 1;
    clock.ms = 15_000;
    const ended = await collector.current();
    assert.equal(daemon.calls, 2, "an ended process makes the scrape ask");
    assert.equal(processOf(ended, 0)?.restarts, 1, "and it is served the daemon's new word");

    probe.readings.set(500, { cpuSeconds: 1, rssBytes: 4096, startTicks: 7 });
    clock.ms = 30_000;
    await collector.current();
    probe.readings.set(500, { cpuSeconds: 0.1, rssBytes: 4096, startTicks: 99 });
    restarts = 2;
    clock.ms = 45_000;
    const reused = await collector.current();
    assert.equal(daemon.calls, 3, "a pid that started again is another process");
    assert.equal(processOf(reused, 0)?.restarts, 2);
  });

  it("asks the daemon when the daemon itself was replaced, and drops everything when it is gone", async () => {
    let gone = false;
    const daemon = new ScriptedDaemon(() =>
      gone ? Promise.reject(new Error("ECONNREFUSED")) : Promise.resolve([entry(0, 500)]),
    );
    const { probe, clock, collector } = await afterFirstScrape(daemon);
    // `kill -9` of the daemon: the apps live on as orphans, the pid file names a dead process.
    probe.readings.delete(100);
    gone = true;
    clock.ms = 15_000;
    const status = await collector.current();
    assert.equal(daemon.calls, 2);
    assert.equal(status.daemonUp, false);
    assert.equal(status.snapshot, undefined, "a daemon that is gone took its processes' truth with it");
  });

  it("asks the daemon at every scrape for processes it may not read", async () => {
    const daemon = new ScriptedDaemon(() => Promise.resolve([entry(0, 500)]));
    const probe = new FakeProbe();
    probe.readings.set(500, "unreadable");
    const clock = { ms: 0 };
    const collector = probedCollector(daemon, probe, clock);
    for (const ms of [0, 15_000, 30_000]) {
      clock.ms = ms;
      const status = await collector.current();
      assert.equal(processOf(status, 0)?.cpuPercent, 3, "PM2's figures");
    }
    assert.equal(daemon.calls, 3);
  });

  it("does not read processes PM2 does not run: stopped ones keep their old pid in the list", async () => {
    const daemon = new ScriptedDaemon(() => Promise.resolve([entry(0, 500, { status: "stopped" })]));
    const probe = new FakeProbe();
    const clock = { ms: 0 };
    const collector = probedCollector(daemon, probe, clock);
    await collector.current();
    clock.ms = 15_000;
    await collector.current();
    assert.equal(daemon.calls, 1, "pid 500 being gone is no news for a stopped process");
  });
});

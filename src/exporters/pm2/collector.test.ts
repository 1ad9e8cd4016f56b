import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "../../lib/log.js";
import { Pm2Collector, Pm2Timeout, type Pm2Source } from "./collector.js";

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

function collectorOf(daemon: Pm2Source, clock: { ms: number }, lines: string[] = []) {
  return new Pm2Collector(daemon, {
    minAgeMs: 9000,
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
    assert.equal(stale.snapshot, good.snapshot, "the last snapshot is still served");
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

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync } from "node:fs";
import { describe, it } from "node:test";
import { detectPageSize, parseProcStat, ProcReader } from "./procStat.js";

// A stat line as Linux writes it (proc(5)); the command name holds spaces and parentheses.
const LINE =
  "4242 (node (worker) x) S 1 4242 4242 0 -1 4194304 2310 0 0 0 1234 567 0 0 20 0 11 0 98765 1161412608 12345 18446744073709551615 1 1 0 0 0 0 0 16781312 17922 0 0 0 17 1 0 0 0 0 0";

describe("/proc/<pid>/stat", () => {
  it("reads CPU time, resident memory and start from a line whose command name has spaces and parentheses", () => {
    assert.deepEqual(parseProcStat(LINE, 4096), {
      cpuSeconds: (1234 + 567) / 100,
      rssBytes: 12345 * 4096,
      startTicks: 98765,
    });
  });

  it("refuses a line it cannot read rather than guessing", () => {
    assert.equal(parseProcStat("garbage", 4096), undefined);
    assert.equal(parseProcStat("1 (x) S 1 2", 4096), undefined);
  });

  it(
    "agrees with what Node.js itself reports for this process",
    { skip: process.platform !== "linux" },
    () => {
      const pageSize = detectPageSize();
      assert.ok([4096, 16384, 65536].includes(pageSize), `page size ${pageSize}`);
      // Burn some CPU so that the comparison means something.
      let x = 0;
      for (let i = 0; i < 3e7; i++) x += i % 7;
      assert.ok(x > 0);
      const reading = new ProcReader(pageSize).read(process.pid);
      const rss = process.memoryUsage.rss();
      const usage = process.cpuUsage();
      assert.ok(typeof reading === "object");
      assert.ok(Math.abs(reading.rssBytes - rss) < 4 * 1024 * 1024, `${reading.rssBytes} vs ${rss}`);
      const cpu = (usage.user + usage.system) / 1e6;
      // /proc counts in hundredths of a second; the process used more than that since the read.
      assert.ok(
        reading.cpuSeconds <= cpu + 0.02 && reading.cpuSeconds > cpu - 0.1,
        `${reading.cpuSeconds} vs ${cpu}`,
      );
    },
  );

  it("tells a process that is gone from one it may not read", { skip: process.platform !== "linux" }, () => {
    const reader = new ProcReader(4096);
    assert.equal(reader.read(2 ** 22 + 1), "gone");
  });

  it(
    "keeps each file open between reads, sees its process end, and lets go of it",
    { skip: process.platform !== "linux" },
    async () => {
      const openFiles = () => readdirSync("/proc/self/fd").length;
      const reader = new ProcReader(4096);
      const child = spawn("sleep", ["30"], { stdio: "ignore" });
      const pid = child.pid ?? 0;
      const before = openFiles();
      const first = reader.read(pid);
      assert.ok(typeof first === "object", "a running process reads");
      assert.equal(openFiles(), before + 1, "its file stays open");
      const again = reader.read(pid);
      assert.ok(typeof again === "object" && again.startTicks === first.startTicks, "and reads it again");
      child.kill("SIGKILL");
      await once(child, "exit");
      assert.equal(reader.read(pid), "gone", "a process that ended is gone, its file closed");
      assert.equal(openFiles(), before);
      assert.ok(typeof reader.read(process.pid) === "object");
      reader.release(new Set());
      assert.equal(openFiles(), before, "release closes what is no longer watched");
    },
  );
});

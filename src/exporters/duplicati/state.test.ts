import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseAnyDate, parseDotNetDate, parseTimeSpan } from "./dotnet.js";
import type { BackupReport } from "./report.js";
import { isStale } from "./staleness.js";
import { backupAfterReport, knownBackup, type BackupState } from "./state.js";

const backup = { key: "name:b", name: "b", machine: "", backupId: "" };
function report(
  result: BackupReport["result"],
  endTime: number,
  extra: Partial<BackupReport> = {},
): BackupReport {
  return {
    backup,
    operation: "Backup",
    result,
    endTime,
    files: {},
    bytes: {},
    backend: {},
    problems: [],
    ...extra,
  };
}

describe(".NET values", () => {
  it("parses TimeSpans with and without days and fractions", () => {
    assert.equal(parseTimeSpan("00:00:05"), 5);
    assert.equal(parseTimeSpan("2.00:00:00"), 172800);
    assert.equal(parseTimeSpan("not a span"), undefined);
  });

  it("parses dates with 7 fractional digits and offsets, and the .NET zero date as nothing", () => {
    assert.equal(parseDotNetDate("2024-05-23T22:45:58-03:00"), Date.parse("2024-05-24T01:45:58Z") / 1000);
    assert.equal(parseDotNetDate("0001-01-01T00:00:00"), undefined);
    assert.equal(parseAnyDate("20261006T000000Z"), Date.parse("2026-10-06T00:00:00Z") / 1000);
  });
});

/** The state after each report in turn, from nothing. */
function after(...reports: [BackupReport, number][]): BackupState | undefined {
  let state: BackupState | undefined;
  for (const [r, at] of reports) state = backupAfterReport(state, r, at) ?? state;
  return state;
}

describe("backup state", () => {
  it("counts runs by result and remembers the last success across failures", () => {
    const b = after(
      [report("Success", 1000), 1001],
      [report("Error", 2000), 2001],
      [report("Fatal", 3000), 3001],
    );
    assert.equal(b?.last?.result, "Fatal");
    assert.equal(b?.lastSuccessTime, 1000);
    assert.deepEqual(b?.runs, { Success: 1, Warning: 0, Error: 1, Fatal: 1, Unknown: 0 });
  });

  it("ignores reports of other operations", () => {
    assert.equal(
      backupAfterReport(undefined, report("Success", 1000, { operation: "Restore" }), 1001),
      undefined,
    );
  });
});

describe("staleness", () => {
  const known = knownBackup(backup);

  it("is stale past the next scheduled run (plus grace) with no run finished since", () => {
    const state = after([report("Success", 1000, { nextScheduledRun: 90_000 }), 1000])!;
    assert.equal(isStale(state, 90_000 + 60, undefined), false, "within the grace period");
    assert.equal(isStale(state, 90_000 + 3600, undefined), true);
  });

  it("falls back to the maximum age from the last success", () => {
    const state = after([report("Success", 1000), 1000])!;
    assert.equal(isStale(state, 1000 + 3600, 7200), false);
    assert.equal(isStale(state, 1000 + 7201, 7200), true);
    assert.equal(isStale(known, 5, 7200), true, "a configured backup that never reported is stale");
    assert.equal(isStale(state, 1e9, undefined), undefined, "without schedule or maximum age: unknown");
  });
});

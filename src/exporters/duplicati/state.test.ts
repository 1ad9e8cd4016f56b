import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseAnyDate, parseDotNetDate, parseTimeSpan } from "./dotnet.js";
import type { BackupReport } from "./report.js";
import { isStale } from "./staleness.js";
import { applyReport, EMPTY_STATE, withKnownBackup } from "./state.js";

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

describe("backup state", () => {
  it("counts runs by result and remembers the last success across failures", () => {
    let state = applyReport(EMPTY_STATE, report("Success", 1000), 1001);
    state = applyReport(state, report("Error", 2000), 2001);
    state = applyReport(state, report("Fatal", 3000), 3001);
    const b = state.backups["name:b"];
    assert.equal(b?.last?.result, "Fatal");
    assert.equal(b?.lastSuccessTime, 1000);
    assert.deepEqual(b?.runs, { Success: 1, Warning: 0, Error: 1, Fatal: 1, Unknown: 0 });
  });

  it("ignores reports of other operations", () => {
    const state = applyReport(EMPTY_STATE, report("Success", 1000, { operation: "Restore" }), 1001);
    assert.equal(state, EMPTY_STATE);
  });
});

describe("staleness", () => {
  const known = withKnownBackup(EMPTY_STATE, backup).backups["name:b"]!;

  it("is stale past the next scheduled run (plus grace) with no run finished since", () => {
    const state = applyReport(EMPTY_STATE, report("Success", 1000, { nextScheduledRun: 90_000 }), 1000)
      .backups["name:b"]!;
    assert.equal(isStale(state, 90_000 + 60, undefined), false, "within the grace period");
    assert.equal(isStale(state, 90_000 + 3600, undefined), true);
  });

  it("falls back to the maximum age from the last success", () => {
    const state = applyReport(EMPTY_STATE, report("Success", 1000), 1000).backups["name:b"]!;
    assert.equal(isStale(state, 1000 + 3600, 7200), false);
    assert.equal(isStale(state, 1000 + 7201, 7200), true);
    assert.equal(isStale(known, 5, 7200), true, "a configured backup that never reported is stale");
    assert.equal(isStale(state, 1e9, undefined), undefined, "without schedule or maximum age: unknown");
  });
});

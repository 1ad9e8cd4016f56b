import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BackupTable, boundedLabel } from "./backupTable.js";
import type { BackupReport } from "./report.js";

function report(name: string, extra: Partial<BackupReport> = {}): BackupReport {
  return {
    backup: { key: `name:${name}`, name, machine: "", backupId: "" },
    operation: "Backup",
    result: "Success",
    endTime: 1000,
    files: {},
    bytes: {},
    backend: {},
    problems: [],
    ...extra,
  };
}

describe("label values", () => {
  it("are kept as they are when short and clean", () => {
    assert.equal(boundedLabel("nightly-home", 16), "nightly-home");
  });

  it("are cut to the limit with a hash of the whole value, the same each time, distinct for distinct values", () => {
    const a = boundedLabel(`${"x".repeat(200)}a`, 32);
    const b = boundedLabel(`${"x".repeat(200)}b`, 32);
    assert.equal(Array.from(a).length, 32);
    assert.match(a, /^x{23}~[0-9a-f]{8}$/);
    assert.notEqual(a, b);
    assert.equal(boundedLabel(`${"x".repeat(200)}a`, 32), a);
  });

  it("count characters, not UTF-16 units, and never split one", () => {
    const cut = boundedLabel("💾".repeat(100), 20);
    assert.equal(Array.from(cut).length, 20);
    assert.doesNotMatch(cut, /[\uD800-\uDFFF](?![\uDC00-\uDFFF])/u);
  });

  it("have control characters replaced", () => {
    assert.equal(boundedLabel("a\nb\u0000c\u001b[31m", 64), "a\uFFFDb\uFFFDc\uFFFD[31m");
  });
});

describe("the backup table", () => {
  it("tracks at most maxBackups: a new one past it is dropped, known ones still update", () => {
    const table = new BackupTable({ maxBackups: 2, maxLabelLength: 64 });
    assert.equal(table.applyReport(report("a"), 1).outcome, "accepted");
    assert.equal(table.applyReport(report("b"), 1).outcome, "accepted");
    assert.equal(table.applyReport(report("c"), 1).outcome, "over-limit");
    assert.equal(table.applyReport(report("c", { operation: "Restore" }), 1).outcome, "ignored");
    assert.equal(table.applyReport(report("a", { result: "Error" }), 2).outcome, "accepted");
    assert.equal(table.size, 2);
    assert.equal(table.get("name:a")?.last?.result, "Error");
    assert.equal(
      table.applyServerBackup({ id: "9", name: "d" }),
      undefined,
      "the server's backups obey it too",
    );
  });

  it("replaces a configured backup's placeholder with the same backup reporting ids, even when full", () => {
    const table = new BackupTable({ maxBackups: 1, maxLabelLength: 64 });
    table.watch("photos");
    const withIds = report("photos", {
      backup: { key: "id:m1/7", name: "photos", machine: "nas", backupId: "7" },
    });
    const change = table.applyReport(withIds, 1);
    assert.equal(change.outcome, "accepted");
    assert.equal(change.outcome === "accepted" ? change.removedKey : undefined, "name:photos");
    assert.deepEqual(
      table.values().map((b) => b.backup.key),
      ["id:m1/7"],
    );
  });

  it("cuts long label values, counting each, and keys an overlong identity by its hash", () => {
    let rewritten = 0;
    const table = new BackupTable({ maxBackups: 10, maxLabelLength: 24 }, () => rewritten++);
    const huge = "n".repeat(100_000);
    const change = table.applyReport(
      report(huge, { backup: { key: `id:${huge}/1`, name: huge, machine: `m${huge}`, backupId: "1" } }),
      1,
    );
    assert.equal(change.outcome, "accepted");
    const [entry] = table.values();
    assert.equal(entry?.backup.name.length, 24);
    assert.equal(entry?.backup.machine.length, 24);
    assert.match(entry?.backup.key ?? "", /^hash:[0-9a-f]{64}$/);
    assert.equal(rewritten, 2);
  });

  it("lists backups in label order whatever order they came in", () => {
    const table = new BackupTable({ maxBackups: 10, maxLabelLength: 64 });
    for (const name of ["c", "a", "b"]) table.applyReport(report(name), 1);
    assert.deepEqual(
      table.values().map((b) => b.backup.name),
      ["a", "b", "c"],
    );
  });
});

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseReportBody, type ParseOutcome } from "./parseReport.js";
import type { BackupReport } from "./report.js";

const FIXTURES = join(import.meta.dirname, "../../../test/fixtures/duplicati");
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const JSON_TYPE = "application/json";
const FORM_TYPE = "application/x-www-form-urlencoded";

function reportOf(outcome: ParseOutcome): BackupReport {
  if (outcome.kind !== "report") assert.fail(`expected a report, got: ${outcome.reason}`);
  return outcome.report;
}

function form(fields: Record<string, string>): Buffer {
  return Buffer.from(new URLSearchParams(fields).toString());
}

describe("parsing Duplicati reports", () => {
  it("reads a 2.1+ JSON report: identity, times with 7 fractional digits, counts, backend, schedule", () => {
    const report = reportOf(parseReportBody(fixture("json-2.1-success.json"), JSON_TYPE));
    assert.deepEqual(report.backup, {
      key: "id:3b7c1d2e9f/DB-4",
      name: "nightly-home",
      machine: "fileserver",
      backupId: "DB-4",
    });
    assert.equal(report.result, "Success");
    assert.equal(report.beginTime, Date.parse("2025-03-10T02:00:01Z") / 1000 + 0.1234567);
    assert.ok(
      Math.abs((report.endTime ?? 0) - (Date.parse("2025-03-10T02:14:36Z") / 1000 + 0.6442321)) < 1e-6,
    );
    assert.ok(Math.abs((report.durationSeconds ?? 0) - 875.5207754) < 1e-9);
    assert.deepEqual(report.files, {
      examined: 48211,
      opened: 40,
      added: 25,
      modified: 12,
      deleted: 3,
      error: 0,
      too_large: 0,
      not_processed: 0,
    });
    assert.equal(report.bytes.examined, 73014444032);
    assert.deepEqual(report.backend, {
      uploadedBytes: 3670016,
      downloadedBytes: 52428800,
      knownFileSize: 39728447488,
      knownFileCount: 1523,
      backupVersions: 30,
      quotaTotal: 1099511627776,
      quotaFree: 549755813888,
    });
    assert.equal(report.nextScheduledRun, Date.parse("2025-03-11T02:00:00Z") / 1000);
    assert.deepEqual(report.problems, []);
  });

  it("reads 2.0.x JSON: string numbers and booleans, only backup-name in Extra, -1 quota as unknown", () => {
    const report = reportOf(parseReportBody(fixture("json-2.0-strings.json"), JSON_TYPE));
    assert.deepEqual(report.backup, {
      key: "name:laptop docs",
      name: "laptop docs",
      machine: "",
      backupId: "",
    });
    assert.equal(report.result, "Warning");
    assert.equal(report.warnings, 2);
    assert.equal(report.partial, false);
    assert.equal(report.files.examined, 1200);
    assert.equal(report.backend.quotaTotal, undefined);
    assert.equal(report.backend.backupVersions, 7);
    assert.equal(report.endTime, Date.parse("2024-05-24T02:03:06Z") / 1000 + 0.644232);
    assert.deepEqual(report.problems, []);
  });

  it("treats an exception-shaped payload without ParsedResult as Fatal", () => {
    const report = reportOf(parseReportBody(fixture("json-exception.json"), JSON_TYPE));
    assert.equal(report.result, "Fatal");
    assert.equal(report.backup.key, "id:3b7c1d2e9f/DB-4");
  });

  it("keeps Error apart from Fatal and reads a TimeSpan with days", () => {
    const report = reportOf(parseReportBody(fixture("json-error-long-duration.json"), JSON_TYPE));
    assert.equal(report.result, "Error");
    assert.equal(report.errors, 3);
    assert.equal(report.partial, true);
    assert.ok(Math.abs((report.durationSeconds ?? 0) - (86400 + 2 * 3600 + 3 * 60 + 4.1234567)) < 1e-9);
  });

  it("reads the text format inside a form body, with locale dates carrying the epoch", () => {
    const report = reportOf(
      parseReportBody(form({ message: fixture("text-report.txt").toString() }), FORM_TYPE),
    );
    assert.deepEqual(report.backup, { key: "name:photos", name: "photos", machine: "", backupId: "" });
    assert.equal(report.result, "Success");
    assert.equal(report.endTime, 1582499096);
    assert.equal(report.beginTime, 1582498800);
    assert.equal(report.files.examined, 5321);
    assert.equal(report.backend.uploadedBytes, 65536);
    assert.equal(report.backend.quotaTotal, undefined, "a 0 quota means the destination reports none");
    assert.deepEqual(report.problems, []);
  });

  it("reads a failed run in the text format as Fatal", () => {
    const report = reportOf(
      parseReportBody(form({ message: fixture("text-failed.txt").toString() }), FORM_TYPE),
    );
    assert.equal(report.result, "Fatal");
    assert.equal(report.backup.name, "photos");
  });

  it("reads JSON inside a form body, with extra parameters as Extra keys", () => {
    const json = JSON.parse(fixture("json-2.0-strings.json").toString()) as { Extra: Record<string, string> };
    delete json.Extra["backup-name"];
    const body = form({
      message: JSON.stringify(json),
      "backup-name": "from-extra-params",
      "machine-name": "nas",
    });
    const report = reportOf(parseReportBody(body, FORM_TYPE));
    assert.equal(report.backup.name, "from-extra-params");
    assert.equal(report.backup.machine, "nas");
  });

  it("accepts a report it only partly understands, noting what it could not read", () => {
    const body = JSON.stringify({
      Data: { ParsedResult: "Failed", ExaminedFiles: "many", EndTime: "yesterday", Duration: "long" },
      Extra: { "backup-name": "odd" },
    });
    const report = reportOf(parseReportBody(Buffer.from(body), JSON_TYPE));
    assert.equal(report.result, "Unknown", 'Duplicati never sends "Failed"');
    assert.equal(report.problems.length, 4);
  });

  it("rejects what it cannot attribute to a backup, with a reason", () => {
    const cases: [Buffer, string | undefined, RegExp][] = [
      [Buffer.from('{"Data":{"ParsedResult":"Success"}}'), JSON_TYPE, /cannot tell which backup/],
      [Buffer.from("{not json"), JSON_TYPE, /invalid JSON/],
      [Buffer.from("[1,2,3]"), JSON_TYPE, /neither JSON nor|not an object/],
      [Buffer.from(""), JSON_TYPE, /empty body/],
      [Buffer.from([0xff, 0xfe, 0x41]), JSON_TYPE, /not valid UTF-8/],
      [form({ other: "x" }), FORM_TYPE, /without a "message" field/],
      [Buffer.from("hello world"), "text/plain", /neither JSON nor Duplicati's text report format/],
    ];
    for (const [body, type, reason] of cases) {
      const outcome = parseReportBody(body, type);
      assert.equal(outcome.kind, "rejected", body.toString());
      if (outcome.kind === "rejected") assert.match(outcome.reason, reason);
    }
  });
});

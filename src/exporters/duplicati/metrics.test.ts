// The Duplicati exporter's /metrics as Prometheus reads it: a golden file of the whole exposition
// for backups in every condition (reported, failed, known only from the server and overdue).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { assertGolden } from "../../../test/helpers/golden.js";
import { parseExposition, sampleValue } from "../../../test/helpers/exposition.js";
import { createDuplicatiMetrics } from "./metrics.js";
import { parseReportBody } from "./parseReport.js";
import { backupAfterReport, backupAfterServerPoll, type BackupState } from "./state.js";

const FIXTURES = join(import.meta.dirname, "../../../test/fixtures/duplicati");
const NOW = 1_780_000_000;

/** A backup's state after Duplicati posted the fixture's report at `receivedAt`. */
function reported(fixture: string, contentType: string, receivedAt: number): BackupState {
  const outcome = parseReportBody(readFileSync(join(FIXTURES, fixture)), contentType);
  if (outcome.kind !== "report") assert.fail(`${fixture}: ${outcome.reason}`);
  return backupAfterReport(undefined, outcome.report, receivedAt) ?? assert.fail(`${fixture} is a backup`);
}

const BACKUPS: readonly BackupState[] = [
  reported("json-2.1-success.json", "application/json", NOW - 3600),
  reported("text-failed.txt", "text/plain", NOW - 7200),
  // Known from the server only: it never reported, and its last success is two days old.
  backupAfterServerPoll(undefined, { id: "7", name: "weekly-db", lastSuccessTime: NOW - 2 * 86400 }),
];

const MAX_AGE: Readonly<Record<string, number>> = { "weekly-db": 26 * 3600 };

async function exposition(): Promise<string> {
  const metrics = createDuplicatiMetrics(
    {
      backups: () => BACKUPS,
      maxAgeSeconds: (name) => MAX_AGE[name],
      now: () => NOW,
      serverStatus: () => ({ up: true, paused: false, hasError: false, hasWarning: true }),
    },
    { maxBackups: 500, maxLabelLength: 200 },
  );
  metrics.self.reports.inc({ outcome: "accepted" }, 2);
  metrics.self.reports.inc({ outcome: "unauthorized" });
  return metrics.exposition();
}

describe("the Duplicati exporter's metrics", () => {
  it("match their golden file", async () => {
    assertGolden("duplicati/metrics.txt", await exposition());
  });

  it("say which backup is overdue by its configured maximum age, and the server's state", async () => {
    const samples = parseExposition(await exposition());
    assert.equal(sampleValue(samples, "duplicati_backup_stale", { backup: "weekly-db" }), 1);
    assert.equal(sampleValue(samples, "duplicati_backup_max_age_seconds", { backup: "weekly-db" }), 93600);
    assert.equal(sampleValue(samples, "duplicati_server_up"), 1);
    assert.equal(sampleValue(samples, "duplicati_exporter_reports_total", { outcome: "accepted" }), 2);
    assert.equal(sampleValue(samples, "duplicati_exporter_backups"), 3);
  });
});

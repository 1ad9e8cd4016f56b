// The Duplicati exporter as Duplicati meets it: POST /report with a token, every payload shape,
// metrics that survive restarts, crashes and corrupt files.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseExposition, sampleValue, type Sample } from "../helpers/exposition.js";
import { startExporterProcess, type RunningExporter } from "../helpers/duplicatiExporter.js";
import { freePort } from "../helpers/ports.js";
import { REPO_ROOT, tempDir } from "../helpers/stackmon.js";

const FIXTURES = join(REPO_ROOT, "test/fixtures/duplicati");
const TOKEN = "a-long-random-token-0123456789";

function startExporter(dir: string, port: number): Promise<RunningExporter> {
  return startExporterProcess(port, [
    `--token-file=${join(dir, "token")}`,
    `--state-dir=${join(dir, "state")}`,
    `--config.file=${join(dir, "config.yml")}`,
    "--report.max-bytes=65536",
  ]);
}

async function post(
  url: string,
  body: string | Buffer,
  type: string,
  token = TOKEN,
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/report?token=${encodeURIComponent(token)}`, {
    method: "POST",
    headers: { "Content-Type": type },
    body,
  });
  return { status: response.status, text: await response.text() };
}

async function metrics(url: string): Promise<Sample[]> {
  const response = await fetch(`${url}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return parseExposition(await response.text());
}

const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const JSON_TYPE = "application/json";
const FORM_TYPE = "application/x-www-form-urlencoded";

describe("Duplicati exporter", () => {
  const dir = tempDir("stackmon-duplicati-");
  let port: number;
  let exporter: RunningExporter;

  before(async () => {
    writeFileSync(join(dir, "token"), `${TOKEN}\n`, { mode: 0o600 });
    writeFileSync(
      join(dir, "config.yml"),
      "backups:\n  - name: never-reports\n    max_age: 26h\n  - name: photos\n    max_age: 1h\n",
    );
    port = await freePort();
    exporter = await startExporter(dir, port);
  });
  after(async () => {
    await exporter?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers 401 for a missing or wrong token, 400 with a reason for garbage, 413 when too large", async () => {
    const good = fixture("json-2.1-success.json");
    assert.equal((await post(exporter.url, good, JSON_TYPE, "wrong")).status, 401);
    const noToken = await fetch(`${exporter.url}/report`, { method: "POST", body: good });
    assert.equal(noToken.status, 401);
    const garbage = await post(exporter.url, "{nope", JSON_TYPE);
    assert.equal(garbage.status, 400);
    assert.match(garbage.text, /invalid JSON/);
    assert.equal((await post(exporter.url, "x".repeat(70_000), JSON_TYPE)).status, 413);
    assert.equal((await fetch(`${exporter.url}/nope`)).status, 404);
    assert.equal((await fetch(`${exporter.url}/report`)).status, 405);
  });

  it("turns a 2.1 JSON report into metrics, with no timestamp or size in any label", async () => {
    assert.equal((await post(exporter.url, fixture("json-2.1-success.json"), JSON_TYPE)).status, 200);
    const s = await metrics(exporter.url);
    const b = { backup: "nightly-home", machine: "fileserver", backup_id: "DB-4" };
    assert.equal(sampleValue(s, "duplicati_backup_last_result", { ...b, result: "Success" }), 1);
    assert.equal(sampleValue(s, "duplicati_backup_last_result", { ...b, result: "Error" }), 0);
    assert.equal(sampleValue(s, "duplicati_backup_runs_total", { ...b, result: "Success" }), 1);
    assert.ok(
      Math.abs((sampleValue(s, "duplicati_backup_last_run_duration_seconds", b) ?? 0) - 875.5207754) < 1e-6,
    );
    assert.equal(sampleValue(s, "duplicati_backup_last_run_files", { ...b, kind: "added" }), 25);
    assert.equal(
      sampleValue(s, "duplicati_backup_last_run_size_bytes", { ...b, kind: "examined" }),
      73014444032,
    );
    assert.equal(sampleValue(s, "duplicati_backup_quota_free_bytes", b), 549755813888);
    assert.equal(sampleValue(s, "duplicati_backup_versions", b), 30);
    assert.equal(
      sampleValue(s, "duplicati_backup_next_scheduled_run_timestamp_seconds", b),
      Date.parse("2025-03-11T02:00:00Z") / 1000,
    );
    assert.equal(sampleValue(s, "duplicati_backup_stale", b), 1, "long past its next scheduled run");
    for (const sample of s) {
      for (const value of Object.values(sample.labels))
        assert.doesNotMatch(value, /^\d{6,}$|^\d{4}-\d\d-\d\d/, `${sample.name} label ${value}`);
    }
  });

  it("accepts every documented payload shape, keeping Error and Fatal apart", async () => {
    assert.equal((await post(exporter.url, fixture("json-2.0-strings.json"), JSON_TYPE)).status, 200);
    assert.equal((await post(exporter.url, fixture("json-error-long-duration.json"), JSON_TYPE)).status, 200);
    assert.equal(
      (await post(exporter.url, form({ message: fixture("text-report.txt") }), FORM_TYPE)).status,
      200,
    );
    assert.equal((await post(exporter.url, fixture("json-exception.json"), JSON_TYPE)).status, 200);
    const s = await metrics(exporter.url);
    const result = (labels: Record<string, string>, r: string) =>
      sampleValue(s, "duplicati_backup_last_result", { ...labels, result: r });
    assert.equal(result({ backup: "laptop docs" }, "Warning"), 1);
    assert.equal(result({ backup: "db dumps" }, "Error"), 1);
    assert.equal(result({ backup: "db dumps" }, "Fatal"), 0);
    assert.equal(result({ backup: "photos" }, "Success"), 1);
    assert.equal(result({ backup: "nightly-home" }, "Fatal"), 1, "the exception came after the success");
    assert.equal(
      sampleValue(s, "duplicati_backup_runs_total", { backup: "nightly-home", result: "Success" }),
      1,
    );
    assert.equal(
      sampleValue(s, "duplicati_backup_runs_total", { backup: "nightly-home", result: "Fatal" }),
      1,
    );
    assert.equal(
      sampleValue(s, "duplicati_backup_last_run_duration_seconds", { backup: "db dumps" }),
      93784.1234567,
    );
  });

  it("counts a partly understood report as a warning but accepts it", async () => {
    const odd = JSON.stringify({
      Data: { ParsedResult: "Success", ExaminedFiles: "lots" },
      Extra: { "backup-name": "odd" },
    });
    const response = await post(exporter.url, odd, JSON_TYPE);
    assert.deepEqual([response.status, response.text.trim()], [200, "accepted with 1 problem(s)"]);
    const s = await metrics(exporter.url);
    assert.equal(sampleValue(s, "duplicati_exporter_reports_total", { outcome: "partial" }), 1);
    assert.equal(sampleValue(s, "duplicati_exporter_report_warnings_total"), 1);
  });

  it("shows a configured backup that never reported as stale, from its maximum age", async () => {
    const s = await metrics(exporter.url);
    assert.equal(sampleValue(s, "duplicati_backup_stale", { backup: "never-reports" }), 1);
    assert.equal(sampleValue(s, "duplicati_backup_max_age_seconds", { backup: "never-reports" }), 26 * 3600);
    assert.equal(
      sampleValue(s, "duplicati_backup_last_result", { backup: "never-reports", result: "Unknown" }),
      undefined,
    );
  });

  it("keeps every backup's state across a restart", async () => {
    const before = (await metrics(exporter.url)).filter(
      (s) => s.name.startsWith("duplicati_backup_") && s.name !== "duplicati_backup_stale",
    );
    await exporter.stop();
    exporter = await startExporter(dir, port);
    const after = (await metrics(exporter.url)).filter(
      (s) => s.name.startsWith("duplicati_backup_") && s.name !== "duplicati_backup_stale",
    );
    assert.deepEqual(after, before);
  });

  it("survives kill -9 in the middle of writes and a corrupt state file without losing the last good state", async () => {
    const writes = Array.from({ length: 40 }, (_, i) =>
      post(
        exporter.url,
        JSON.stringify({
          Data: { ParsedResult: "Success", EndTime: "2025-01-01T00:00:00Z" },
          Extra: { "backup-name": `burst-${i}` },
        }),
        JSON_TYPE,
      ).catch(() => undefined),
    );
    await new Promise((r) => setTimeout(r, 30));
    await exporter.stop("SIGKILL");
    await Promise.all(writes);
    exporter = await startExporter(dir, port);
    let s = await metrics(exporter.url);
    assert.equal(sampleValue(s, "duplicati_backup_last_result", { backup: "photos", result: "Success" }), 1);

    await exporter.stop();
    writeFileSync(join(dir, "state", "state.json"), '{"version":1,"backups":{"trunc');
    exporter = await startExporter(dir, port);
    s = await metrics(exporter.url);
    assert.equal(
      sampleValue(s, "duplicati_backup_last_result", { backup: "photos", result: "Success" }),
      1,
      "previous copy used",
    );
    assert.equal(
      (await post(exporter.url, fixture("json-2.0-strings.json"), JSON_TYPE)).status,
      200,
      "and it keeps working",
    );
  });
});

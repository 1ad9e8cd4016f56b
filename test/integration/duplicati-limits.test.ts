// The Duplicati exporter at scale: the backup cap reached and held, the exposition bounded
// however long the labels a report sends, one file per backup so that a report rewrites only its
// own backup's file, the state read back after a restart, a state.json from before per-backup
// files migrated, and temporary files of an interrupted write cleared at start.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startDuplicatiExporter, type DuplicatiExporter } from "../../src/exporters/duplicati/exporter.js";
import { createLogger } from "../../src/lib/log.js";
import { parseExposition, sampleValue, type Sample } from "../helpers/exposition.js";
import { REPO_ROOT, tempDir } from "../helpers/stackmon.js";

const TOKEN = "limits-token-0123456789abcdef";
const MAX_BACKUPS = 2000;
const MAX_LABEL = 64;
const silent = createLogger("error", () => undefined);
const template = JSON.parse(
  readFileSync(join(REPO_ROOT, "test/fixtures/duplicati/json-2.1-success.json"), "utf8"),
) as { Extra: Record<string, string> };

function reportFor(id: string, name: string, machine = "fileserver"): string {
  return JSON.stringify({
    ...template,
    Extra: { ...template.Extra, "backup-id": id, "backup-name": name, "machine-name": machine },
  });
}

function start(stateDir: string): Promise<DuplicatiExporter> {
  return startDuplicatiExporter({
    listenAddress: "127.0.0.1:0",
    telemetryPath: "/metrics",
    token: TOKEN,
    stateDir,
    config: { backups: [] },
    maxReportBytes: 1 << 20,
    limits: { maxBackups: MAX_BACKUPS, maxLabelLength: MAX_LABEL },
    logger: silent,
  });
}

async function post(exporter: DuplicatiExporter, body: string): Promise<string> {
  const response = await fetch(`${exporter.server.url}/report?token=${TOKEN}`, { method: "POST", body });
  assert.equal(response.status, 200);
  return (await response.text()).trim();
}

async function scrape(exporter: DuplicatiExporter): Promise<{ text: string; samples: Sample[] }> {
  const text = await (await fetch(`${exporter.server.url}/metrics`)).text();
  return { text, samples: parseExposition(text) };
}

/** inode and modification time of every file under the state's backups directory. */
function fileStamps(dir: string): Map<string, string> {
  const backups = join(dir, "backups");
  return new Map(
    readdirSync(backups).map((name) => {
      const stat = statSync(join(backups, name));
      return [name, `${stat.ino}:${stat.mtimeMs}`];
    }),
  );
}

describe("the Duplicati exporter at its limits", () => {
  const dir = tempDir("stackmon-duplicati-limits-");
  const stateDir = join(dir, "state");
  let exporter: DuplicatiExporter;

  before(async () => {
    exporter = await start(stateDir);
  });
  after(async () => {
    await exporter?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`tracks ${MAX_BACKUPS} backups and drops reports of new ones past that, counting them`, async () => {
    const answers = new Map<string, number>();
    const total = MAX_BACKUPS + 500;
    for (let i = 0; i < total; i += 8) {
      const batch = Array.from({ length: Math.min(8, total - i) }, (_, j) =>
        post(exporter, reportFor(`DB-${i + j}`, `backup-${String(i + j).padStart(5, "0")}`)),
      );
      for (const answer of await Promise.all(batch)) answers.set(answer, (answers.get(answer) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(answers), {
      accepted: MAX_BACKUPS,
      "dropped: the exporter tracks no more backups (--backups.max)": 500,
    });
    const { samples } = await scrape(exporter);
    assert.equal(sampleValue(samples, "duplicati_exporter_backups"), MAX_BACKUPS);
    assert.equal(sampleValue(samples, "duplicati_exporter_backups_limit"), MAX_BACKUPS);
    assert.equal(sampleValue(samples, "duplicati_exporter_reports_total", { outcome: "over_limit" }), 500);
    assert.equal(
      new Set(samples.filter((s) => s.name === "duplicati_backup_last_result").map((s) => s.labels["backup"]))
        .size,
      MAX_BACKUPS,
    );
    assert.equal(
      await post(exporter, reportFor("DB-7", "backup-00007")),
      "accepted",
      "a backup already tracked still reports at the limit",
    );
  });

  it("keeps the exposition bounded when a report sends enormous labels", async () => {
    const before = (await scrape(exporter)).text.length;
    const huge = "h".repeat(200_000);
    // DB-0 is tracked: its labels grow from a few characters to the most allowed.
    assert.equal(await post(exporter, reportFor("DB-0", huge, huge)), "accepted");
    const { text, samples } = await scrape(exporter);
    for (const sample of samples)
      for (const value of Object.values(sample.labels))
        assert.ok(
          Array.from(value).length <= MAX_LABEL,
          `${sample.name} has a ${value.length}-character label`,
        );
    const perBackupSeries = samples.filter((s) => s.labels["backup_id"] === "DB-0").length;
    // Each of its series gains at most two labels of MAX_LABEL characters.
    assert.ok(
      text.length - before <= perBackupSeries * 2 * MAX_LABEL,
      `the exposition grew by ${text.length - before} bytes`,
    );
    assert.equal(sampleValue(samples, "duplicati_exporter_label_values_rewritten_total"), 2);
  });

  it("writes an exposition promtool accepts, whatever characters the labels hold", async () => {
    const awkward = 'we"ird\\name\nline ünï 💾';
    assert.equal(await post(exporter, reportFor("DB-1", awkward)), "accepted");
    const { text, samples } = await scrape(exporter);
    const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
    assert.equal(`${check.stdout}${check.stderr}`.trim(), "", "no lint finding either");
    assert.equal(
      sampleValue(samples, "duplicati_backup_last_result", {
        backup: 'we"ird\\name\uFFFDline ünï 💾',
        backup_id: "DB-1",
        result: "Success",
      }),
      1,
    );
  });

  it("rewrites only the reporting backup's own file, whatever the number of backups", async () => {
    const before = fileStamps(stateDir);
    assert.equal(
      [...before.keys()].filter((name) => name.endsWith(".json")).length,
      MAX_BACKUPS,
      "one file per backup (beside the previous copies of those that reported twice)",
    );
    assert.equal(await post(exporter, reportFor("DB-1234", "backup-01234")), "accepted");
    const after = fileStamps(stateDir);
    const changed = [...after].filter(([name, stamp]) => before.get(name) !== stamp).map(([name]) => name);
    assert.equal(changed.length, 2, `changed: ${changed.join(", ")}`);
    assert.equal(
      new Set(changed.map((name) => name.replace(/\.previous$/, ""))).size,
      1,
      "its file and its previous copy",
    );
    for (const name of changed) assert.ok(statSync(join(stateDir, "backups", name)).size < 4096);
  });

  it("reads every backup back after a restart", async () => {
    const before = (await scrape(exporter)).samples.filter(
      (s) => s.name.startsWith("duplicati_backup_") && s.name !== "duplicati_backup_stale",
    );
    await exporter.close();
    exporter = await start(stateDir);
    const after = (await scrape(exporter)).samples.filter(
      (s) => s.name.startsWith("duplicati_backup_") && s.name !== "duplicati_backup_stale",
    );
    assert.equal(after.length, before.length);
    assert.deepEqual(after, before);
  });
});

describe("the Duplicati exporter's state directory at start", () => {
  const dir = tempDir("stackmon-duplicati-state-");
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("moves a state.json from before per-backup files into them, and clears temporary files left by a crash", async () => {
    const stateDir = join(dir, "state");
    mkdirSync(join(stateDir, "backups"), { recursive: true });
    const legacy = {
      version: 1,
      backups: {
        "name:old-one": {
          backup: { key: "name:old-one", name: "old-one", machine: "", backupId: "" },
          last: { result: "Error", endTime: 1000, files: {}, bytes: {}, backend: {}, receivedAt: 1000 },
          lastSuccessTime: 500,
          runs: { Success: 3, Warning: 0, Error: 1, Fatal: 0, Unknown: 0 },
        },
      },
    };
    writeFileSync(join(stateDir, "state.json"), JSON.stringify(legacy));
    writeFileSync(join(stateDir, ".state.json.4242.tmp"), '{"version":1,"backu');
    writeFileSync(join(stateDir, "backups", "0123.json.4242.tmp"), "{");
    const exporter = await start(stateDir);
    try {
      const { samples } = await scrape(exporter);
      assert.equal(
        sampleValue(samples, "duplicati_backup_runs_total", { backup: "old-one", result: "Success" }),
        3,
      );
      assert.equal(
        sampleValue(samples, "duplicati_backup_last_success_timestamp_seconds", { backup: "old-one" }),
        500,
      );
      assert.deepEqual(
        readdirSync(stateDir).sort(),
        ["backups"],
        "state.json and the temporary file are gone",
      );
      assert.deepEqual(
        readdirSync(join(stateDir, "backups")).filter((f) => f.endsWith(".tmp")),
        [],
        "no temporary file left",
      );
    } finally {
      await exporter.close();
    }
  });
});

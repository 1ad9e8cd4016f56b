// 10,000 malformed bodies: random JSON shapes, truncations, huge numbers, wrong types, invalid
// UTF-8, oversized bodies. Never a crash, never a 5xx, and the persisted state stays valid.
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { createLogger } from "../../src/lib/log.js";
import { startDuplicatiExporter } from "../../src/exporters/duplicati/exporter.js";
import { createDuplicatiMetrics } from "../../src/exporters/duplicati/metrics.js";
import { handleReport } from "../../src/exporters/duplicati/receiver.js";
import { BackupTable, DEFAULT_LIMITS } from "../../src/exporters/duplicati/backupTable.js";
import { backupStateSchema } from "../../src/exporters/duplicati/state.js";
import { StateStore } from "../../src/exporters/duplicati/stateStore.js";
import { REPO_ROOT, tempDir } from "../helpers/stackmon.js";

const TOKEN = "fuzz-token-0123456789abcdef";
const valid = readFileSync(join(REPO_ROOT, "test/fixtures/duplicati/json-2.1-success.json"), "utf8");
const silent = createLogger("error", () => undefined);

/** Values of the wrong type wherever Duplicati puts a value. */
const anyValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.constant(Number.MAX_SAFE_INTEGER * 1e300),
  fc.constant("9".repeat(400)),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
);

const dataKeys = [
  "ParsedResult",
  "BeginTime",
  "EndTime",
  "Duration",
  "ExaminedFiles",
  "SizeOfAddedFiles",
  "BackendStatistics",
  "MainOperation",
  "Interrupted",
  "WarningsActualLength",
];
const extraKeys = [
  "backup-name",
  "machine-id",
  "backup-id",
  "machine-name",
  "next-scheduled-run",
  "OperationName",
];

const mutatedReport = fc
  .record({
    Data: fc.oneof(fc.dictionary(fc.constantFrom(...dataKeys), anyValue), anyValue),
    Extra: fc.oneof(fc.dictionary(fc.constantFrom(...extraKeys), anyValue), anyValue),
    LogLines: anyValue,
    Exception: anyValue,
  })
  .map((r) => JSON.stringify(r));

const body = fc.oneof(
  mutatedReport.map((t) => Buffer.from(t)),
  fc.json().map((t) => Buffer.from(t)),
  fc.nat({ max: valid.length }).map((n) => Buffer.from(valid.slice(0, n))),
  fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)),
  fc.string().map((t) => Buffer.from(`message=${encodeURIComponent(t)}`)),
  fc.string().map((t) => Buffer.from(`message=${encodeURIComponent(`Duplicati Backup report for x\n${t}`)}`)),
);
const contentType = fc.constantFrom(
  "application/json",
  "application/x-www-form-urlencoded",
  "text/plain",
  undefined,
);

describe("Duplicati receiver under fuzzing", () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("answers 10,000 malformed bodies with 2xx or 4xx, and the state stays valid", async () => {
    const table = new BackupTable(DEFAULT_LIMITS);
    const { self } = createDuplicatiMetrics(
      { backups: () => table.values(), maxAgeSeconds: () => undefined, now: () => 0 },
      DEFAULT_LIMITS,
    );
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(body, contentType, async (payload, type) => {
        const response = await handleReport(
          {
            token: TOKEN,
            accept: (report) => {
              const change = table.applyReport(report, 1);
              return change.outcome;
            },
            metrics: self,
            logger: silent,
          },
          TOKEN,
          payload,
          type,
        );
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        return response.status < 500;
      }),
      { numRuns: 10_000 },
    );
    for (const state of table.values())
      assert.ok(backupStateSchema.safeParse(JSON.parse(JSON.stringify(state))).success, "state still valid");
    assert.ok(
      (statuses.get(400) ?? 0) > 1000 && (statuses.get(200) ?? 0) > 100,
      JSON.stringify([...statuses]),
    );
  });

  it("answers malformed bodies over real HTTP without a 5xx, and persists a loadable state", async () => {
    const dir = tempDir("stackmon-duplicati-fuzz-");
    dirs.push(dir);
    const exporter = await startDuplicatiExporter({
      listenAddress: "127.0.0.1:0",
      telemetryPath: "/metrics",
      token: TOKEN,
      stateDir: dir,
      config: { backups: [] },
      maxReportBytes: 4096,
      logger: silent,
    });
    try {
      const samples = fc.sample(fc.tuple(body, contentType), { numRuns: 300, seed: 42 });
      samples.push([Buffer.alloc(10_000, 0x41), "application/json"]);
      for (const [payload, type] of samples) {
        const response = await fetch(`${exporter.server.url}/report?token=${TOKEN}`, {
          method: "POST",
          headers: type ? { "Content-Type": type } : {},
          body: payload,
        });
        await response.text();
        assert.ok(response.status < 500, `status ${response.status}`);
      }
      assert.equal((await fetch(`${exporter.server.url}/metrics`)).status, 200);
      const loaded = new StateStore(dir, silent).load();
      assert.ok(loaded.length > 0, "reports were persisted");
      assert.equal(loaded.length, exporter.backups.size, "every tracked backup reads back");
    } finally {
      await exporter.close();
    }
  });
});

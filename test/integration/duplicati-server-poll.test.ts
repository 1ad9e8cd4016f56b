// Polling a Duplicati server: backups that never reported, their schedules, token renewal.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startDuplicatiExporter, type DuplicatiExporter } from "../../src/exporters/duplicati/exporter.js";
import { parseExporterConfig } from "../../src/exporters/duplicati/exporterConfig.js";
import { createLogger } from "../../src/lib/log.js";
import { parseExposition, sampleValue } from "../helpers/exposition.js";
import { startFakeDuplicatiServer, type FakeDuplicatiServer } from "../helpers/fakeDuplicatiServer.js";
import { tempDir } from "../helpers/stackmon.js";

const BACKUPS = [
  {
    Backup: {
      ID: "1",
      Name: "documents",
      Metadata: {
        LastBackupDate: "20251006T000000Z",
        LastBackupFinished: "20251006T001500Z",
        BackupListCount: "12",
      },
    },
    Schedule: {
      Time: "2025-10-07T00:00:00Z",
      Repeat: "1D",
      LastRun: "2025-10-06T00:00:00Z",
      Rule: "",
      AllowedDays: [],
    },
  },
  { Backup: { ID: "2", Name: "manual-only", Metadata: {} }, Schedule: null },
  { Backup: { Name: "no id" } },
];

async function scrape(exporter: DuplicatiExporter) {
  return parseExposition(await (await fetch(`${exporter.server.url}/metrics`)).text());
}

async function eventually(what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("Duplicati exporter polling a Duplicati server", () => {
  const dir = tempDir("stackmon-duplicati-poll-");
  let fake: FakeDuplicatiServer;
  let exporter: DuplicatiExporter;

  before(async () => {
    fake = await startFakeDuplicatiServer("server-pw", BACKUPS, {
      ProgramState: "Running",
      HasError: false,
      HasWarning: true,
    });
    writeFileSync(join(dir, "password"), "server-pw\n", { mode: 0o600 });
    exporter = await startDuplicatiExporter({
      listenAddress: "127.0.0.1:0",
      telemetryPath: "/metrics",
      token: "token-0123456789abcdef",
      stateDir: join(dir, "state"),
      config: { backups: [], server: { url: fake.url, password_file: join(dir, "password"), interval: 0.2 } },
      maxReportBytes: 65536,
      logger: createLogger("error", () => undefined),
      now: () => Date.parse("2025-10-08T00:00:00Z") / 1000,
    });
  });
  after(async () => {
    await exporter?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("learns backups that never reported, with their schedule, and judges them stale by it", async () => {
    await eventually(
      "the server's backups",
      async () => sampleValue(await scrape(exporter), "duplicati_server_up") === 1,
    );
    const s = await scrape(exporter);
    assert.equal(
      sampleValue(s, "duplicati_backup_next_scheduled_run_timestamp_seconds", { backup: "documents" }),
      Date.parse("2025-10-07T00:00:00Z") / 1000,
    );
    assert.equal(
      sampleValue(s, "duplicati_backup_last_success_timestamp_seconds", { backup: "documents" }),
      Date.parse("2025-10-06T00:15:00Z") / 1000,
    );
    assert.equal(
      sampleValue(s, "duplicati_backup_stale", { backup: "documents" }),
      1,
      "a day past its scheduled run",
    );
    assert.notEqual(
      s.find((x) => x.labels["backup"] === "manual-only"),
      undefined,
      "an unscheduled backup is listed too",
    );
    assert.equal(
      s.find((x) => x.labels["backup"] === "no id"),
      undefined,
      "malformed entries are skipped",
    );
    assert.equal(sampleValue(s, "duplicati_server_paused"), 0);
  });

  it("logs in again when its token expires, and carries on", async () => {
    const logins = fake.logins;
    fake.expireTokens();
    await eventually("a fresh login", () => Promise.resolve(fake.logins > logins));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(sampleValue(await scrape(exporter), "duplicati_server_up"), 1);
  });

  it("reports the server down when it refuses the password", async () => {
    writeFileSync(join(dir, "password"), "wrong\n");
    fake.expireTokens();
    await eventually(
      "server down",
      async () => sampleValue(await scrape(exporter), "duplicati_server_up") === 0,
    );
  });
});

describe("a Duplicati server that redirects", () => {
  const dir = tempDir("stackmon-duplicati-redirect-");
  const received: string[] = [];
  let elsewhere: Server;
  let redirecting: Server;
  let exporter: DuplicatiExporter;
  const logs: string[] = [];

  before(async () => {
    // Where a redirect would take the login: it records whatever reaches it.
    elsewhere = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push(`${req.method} ${req.url} ${body}`);
        res.end(JSON.stringify({ AccessToken: "stolen" }));
      });
    });
    await new Promise<void>((r) => elsewhere.listen(0, "127.0.0.1", r));
    const elsewherePort = (elsewhere.address() as AddressInfo).port;
    redirecting = createServer((req, res) =>
      res.writeHead(307, { Location: `http://127.0.0.1:${elsewherePort}${req.url ?? "/"}` }).end(),
    );
    await new Promise<void>((r) => redirecting.listen(0, "127.0.0.1", r));
    writeFileSync(join(dir, "password"), "server-password-not-for-elsewhere\n", { mode: 0o600 });
    exporter = await startDuplicatiExporter({
      listenAddress: "127.0.0.1:0",
      telemetryPath: "/metrics",
      token: "token-0123456789abcdef",
      stateDir: join(dir, "state"),
      config: {
        backups: [],
        server: {
          url: `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`,
          password_file: join(dir, "password"),
          interval: 0.2,
        },
      },
      maxReportBytes: 65536,
      logger: createLogger("warn", (line) => logs.push(line)),
    });
  });
  after(async () => {
    await exporter?.close();
    for (const server of [elsewhere, redirecting]) await new Promise<void>((r) => server?.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("is not followed: the password never leaves for where it points, and the server counts as down", async () => {
    await eventually("a refused poll", () => Promise.resolve(logs.some((l) => /redirect refused/.test(l))));
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(received, []);
    assert.equal(sampleValue(await scrape(exporter), "duplicati_server_up"), 0);
  });

  it("a server URL with credentials in it, or not http(s), is refused by the config", () => {
    for (const url of ["http://admin:secret@127.0.0.1:8200", "ftp://127.0.0.1/", "file:///etc/passwd"])
      assert.throws(
        () => parseExporterConfig(`server: {url: "${url}", password_file: /p}\n`),
        /server\.url: /,
        url,
      );
  });
});

// No secret reaches a log line, whatever goes wrong: the Duplicati token (it travels in the query
// string), basic-auth passwords, the Duplicati server's password and the bearer token it hands
// out. Every error path of the web layer and the exporter is driven with known secrets, and
// every line logged at debug level is searched for them.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import bcrypt from "bcryptjs";
import { startDuplicatiExporter, type DuplicatiExporter } from "../../src/exporters/duplicati/exporter.js";
import { createLogger } from "../../src/lib/log.js";
import type { ExporterServer } from "../../src/lib/web/exporterServer.js";
import { parseWebConfig } from "../../src/lib/web/webConfig.js";
import { tempDir } from "../helpers/stackmon.js";
import { startTestWebServer } from "../helpers/webServer.js";

const TOKEN = "duplicati-token-SECRET-0123456789";
const BASIC_PASSWORD = "basic-password-SECRET-42";
const SERVER_PASSWORD = "server-password-SECRET-77";
const BEARER = "bearer-token-SECRET-jwt";
const SECRETS = [TOKEN, BASIC_PASSWORD, SERVER_PASSWORD, BEARER];

/** Every form a secret could take in a line: as is, URL-encoded, base64 (an Authorization header). */
function secretForms(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    Buffer.from(`prometheus:${secret}`).toString("base64"),
    Buffer.from(secret).toString("base64"),
  ];
}

function assertNoSecret(lines: readonly string[]): void {
  for (const line of lines)
    for (const secret of SECRETS)
      for (const form of secretForms(secret))
        assert.ok(!line.includes(form), `a log line holds a secret (${secret}): ${line}`);
}

/** Sends raw bytes, then either waits for the answer or hangs up after `hangUpAfterMs`. */
function rawRequest(
  port: number,
  text: string,
  options: { hangUpAfterMs?: number } = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
    const done = () =>
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0), text: received });
    socket.on("close", done);
    socket.on("error", () => undefined);
    socket.write(text);
    if (options.hangUpAfterMs !== undefined) setTimeout(() => socket.destroy(), options.hangUpAfterMs);
  });
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 200));
}

describe("no secret in any log line", () => {
  const dir = tempDir("stackmon-secret-logs-");
  const lines: string[] = [];
  const logger = createLogger("debug", (line) => lines.push(line));
  const webConfig = parseWebConfig(
    `basic_auth_users:\n  prometheus: ${bcrypt.hashSync(BASIC_PASSWORD, 4)}\n`,
  );
  let exporter: DuplicatiExporter;
  let port: number;
  let duplicatiServer: Server;
  let serverMode: "ok" | "500" | "401" | "redirect" | "slow" | "garbage" = "ok";

  before(async () => {
    // A Duplicati server whose answers the test chooses; it knows the password and the bearer.
    duplicatiServer = createServer((req, res) => {
      if (serverMode === "slow") return; // never answers: the poller's timeout
      if (serverMode === "500") return void res.writeHead(500).end(`internal error ${BEARER}`);
      if (serverMode === "401") return void res.writeHead(401).end();
      if (serverMode === "redirect")
        return void res.writeHead(307, { Location: `http://127.0.0.1:1/steal?${TOKEN}` }).end();
      if (serverMode === "garbage") return void res.writeHead(200).end(`{not json ${BEARER}`);
      if (req.url === "/api/v1/auth/login") return void res.end(JSON.stringify({ AccessToken: BEARER }));
      if (req.url === "/api/v1/backups") return void res.end("[]");
      return void res.end(JSON.stringify({ ProgramState: "Running" }));
    });
    await new Promise<void>((r) => duplicatiServer.listen(0, "127.0.0.1", r));
    const serverAddress = duplicatiServer.address();
    const serverPort = typeof serverAddress === "object" && serverAddress ? serverAddress.port : 0;
    writeFileSync(join(dir, "server.password"), `${SERVER_PASSWORD}\n`, { mode: 0o600 });
    exporter = await startDuplicatiExporter({
      listenAddress: "127.0.0.1:0",
      telemetryPath: "/metrics",
      webConfig,
      token: TOKEN,
      stateDir: join(dir, "state"),
      config: {
        backups: [],
        server: {
          url: `http://127.0.0.1:${serverPort}`,
          password_file: join(dir, "server.password"),
          interval: 0.1,
        },
      },
      maxReportBytes: 4096,
      logger,
      requestTimeoutMs: 1000,
      serverTimeoutMs: 300,
    });
    port = exporter.server.address.port;
  });
  after(async () => {
    await exporter?.close();
    duplicatiServer?.closeAllConnections();
    await new Promise<void>((r) => duplicatiServer?.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
    assertNoSecret(lines);
  });

  it("a client that hangs up in the middle of a report body", async () => {
    const before = lines.length;
    await rawRequest(
      port,
      `POST /report?token=${TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{"Data":`,
      { hangUpAfterMs: 100 },
    );
    await settle();
    assertNoSecret(lines);
    assert.ok(lines.length > before, "the failed request was logged");
  });

  it("a report body slower than the request timeout", async () => {
    const answer = await rawRequest(
      port,
      `POST /report?token=${TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Length: 4000\r\n\r\n{"Data":`,
    );
    assert.ok(answer.status === 408 || answer.status === 0, answer.text);
    await settle();
    assertNoSecret(lines);
  });

  it("4xx answers: wrong token, bad body, too large, wrong method, unknown path", async () => {
    const url = `http://127.0.0.1:${port}`;
    const statuses = [
      (await fetch(`${url}/report?token=${TOKEN}x`, { method: "POST", body: "{}" })).status,
      (await fetch(`${url}/report?token=${TOKEN}`, { method: "POST", body: "{nope" })).status,
      (await fetch(`${url}/report?token=${TOKEN}`, { method: "POST", body: "x".repeat(5000) })).status,
      (await fetch(`${url}/report?token=${TOKEN}`)).status,
      (
        await fetch(`${url}/elsewhere?token=${TOKEN}`, {
          headers: { Authorization: basic("prometheus", BASIC_PASSWORD) },
        })
      ).status,
    ];
    assert.deepEqual(statuses, [401, 400, 413, 405, 404]);
    assertNoSecret(lines);
  });

  it("bad basic auth: a wrong password, the right password for another user, garbage", async () => {
    const url = `http://127.0.0.1:${port}/metrics?password=${BASIC_PASSWORD}`;
    for (const authorization of [
      basic("prometheus", `${BASIC_PASSWORD}x`),
      basic("somebody", BASIC_PASSWORD),
      `Basic ${BASIC_PASSWORD}`,
      `Bearer ${BASIC_PASSWORD}`,
    ])
      assert.equal((await fetch(url, { headers: { Authorization: authorization } })).status, 401);
    assert.equal(
      (await fetch(url, { headers: { Authorization: basic("prometheus", BASIC_PASSWORD) } })).status,
      200,
    );
    assertNoSecret(lines);
  });

  it("malformed request lines and headers", async () => {
    for (const text of [
      `GET http://[::1/report?token=${TOKEN} HTTP/1.1\r\nHost: x\r\n\r\n`,
      `POST /report?token=${TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n`,
      `GET /report?token=${TOKEN}\u0000 HTTP/1.1\r\n\r\n`,
      `GET /metrics HTTP/1.1\r\nAuthorization: ${basic("prometheus", BASIC_PASSWORD)}\r\nBad Header\r\n\r\n`,
    ]) {
      const answer = await rawRequest(port, text);
      assert.ok(answer.status >= 400 && answer.status < 500, `${JSON.stringify(text)} → ${answer.text}`);
    }
    await settle();
    assertNoSecret(lines);
  });

  it("the Duplicati server failing every way: 500, 401, a redirect, a timeout, garbage", async () => {
    for (const mode of ["500", "401", "redirect", "slow", "garbage", "ok"] as const) {
      serverMode = mode;
      await new Promise((r) => setTimeout(r, 700));
    }
    assert.ok(
      lines.some((l) => l.includes("cannot poll the Duplicati server")),
      "the poller's failures were logged",
    );
    assertNoSecret(lines);
  });
});

describe("no secret in the web layer's 5xx log lines", () => {
  const lines: string[] = [];
  let server: ExporterServer;

  before(async () => {
    server = await startTestWebServer({
      metrics: () => Promise.reject(new Error("collector exploded")),
      routes: [
        {
          method: "POST",
          path: "/hook",
          skipBasicAuth: true,
          handle: () => Promise.reject(new Error("handler exploded")),
        },
      ],
      logger: createLogger("debug", (line) => lines.push(line)),
    });
  });
  after(async () => {
    await server?.close();
  });

  it("a failing route and a failing collection answer 500 and log the path only", async () => {
    assert.equal(
      (await fetch(`${server.url}/hook?token=${TOKEN}`, { method: "POST", body: "x" })).status,
      500,
    );
    assert.equal((await fetch(`${server.url}/metrics?token=${TOKEN}`)).status, 500);
    assert.equal(lines.filter((l) => /exploded/.test(l)).length, 2, lines.join("\n"));
    assert.ok(
      lines.some((l) => / path=\/hook( |$)/.test(l)),
      lines.join("\n"),
    );
    assertNoSecret(lines);
  });
});

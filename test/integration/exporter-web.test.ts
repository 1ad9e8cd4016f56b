// The exporter HTTP layer: TLS, bcrypt basic auth, landing page, telemetry, routes, 404/405/413.
import assert from "node:assert/strict";
import { request } from "node:https";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import bcrypt from "bcryptjs";
import { createLogger } from "../../src/lib/log.js";
import { startExporterServer, type ExporterServer } from "../../src/lib/web/exporterServer.js";
import { loadWebConfig, WebConfigError, parseWebConfig } from "../../src/lib/web/webConfig.js";
import { tempDir } from "../helpers/stackmon.js";
import { makeCertificate } from "../helpers/tls.js";

function httpsGet(
  url: string,
  auth?: string,
  method = "GET",
  body?: string,
): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        rejectUnauthorized: false,
        headers: auth ? { Authorization: `Basic ${Buffer.from(auth).toString("base64")}` } : {},
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: text, type: String(res.headers["content-type"]) }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("exporter web layer with TLS and basic auth", () => {
  const dir = tempDir("stackmon-web-");
  let server: ExporterServer;
  const silent = createLogger("error", () => undefined);

  before(async () => {
    const cert = makeCertificate(dir);
    const webConfigFile = join(dir, "web.yml");
    writeFileSync(
      webConfigFile,
      `tls_server_config:\n  cert_file: ${cert.certFile}\n  key_file: ${cert.keyFile}\nbasic_auth_users:\n  prom: ${bcrypt.hashSync("s3cret", 4)}\n`,
    );
    server = await startExporterServer({
      name: "test exporter",
      description: "a test",
      version: "1.0.0",
      listenAddress: "127.0.0.1:0",
      telemetryPath: "/metrics",
      webConfig: loadWebConfig(webConfigFile),
      metrics: () =>
        Promise.resolve({ contentType: "text/plain; version=0.0.4; charset=utf-8", body: "up 1\n" }),
      routes: [{ method: "POST", path: "/echo", handle: (r) => ({ status: 200, body: r.body.toString() }) }],
      maxBodyBytes: 16,
      logger: silent,
    });
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves over TLS only with valid credentials", async () => {
    assert.match(server.url, /^https:\/\//);
    assert.equal((await httpsGet(`${server.url}/metrics`)).status, 401);
    assert.equal((await httpsGet(`${server.url}/metrics`, "prom:wrong")).status, 401);
    assert.equal((await httpsGet(`${server.url}/metrics`, "nobody:s3cret")).status, 401);
    const ok = await httpsGet(`${server.url}/metrics`, "prom:s3cret");
    assert.equal(ok.status, 200);
    assert.equal(ok.body, "up 1\n");
    assert.equal(ok.type, "text/plain; version=0.0.4; charset=utf-8");
  });

  it("serves the exposition gzipped to clients that ask for it", async () => {
    const { gunzipSync } = await import("node:zlib");
    const response = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      const req = request(
        `${server.url}/metrics`,
        {
          rejectUnauthorized: false,
          headers: {
            Authorization: `Basic ${Buffer.from("prom:s3cret").toString("base64")}`,
            "Accept-Encoding": "gzip",
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({ encoding: res.headers["content-encoding"], body: Buffer.concat(chunks) }),
          );
        },
      );
      req.on("error", reject);
      req.end();
    });
    assert.equal(response.encoding, "gzip");
    assert.equal(gunzipSync(response.body).toString(), "up 1\n");
  });

  it("has a landing page, 404 for unknown paths and 405 for wrong methods", async () => {
    const landing = await httpsGet(`${server.url}/`, "prom:s3cret");
    assert.equal(landing.status, 200);
    assert.match(landing.body, /<a href="\/metrics">/);
    assert.equal((await httpsGet(`${server.url}/nope`, "prom:s3cret")).status, 404);
    assert.equal((await httpsGet(`${server.url}/metrics`, "prom:s3cret", "POST")).status, 405);
    assert.equal((await httpsGet(`${server.url}/echo`, "prom:s3cret", "GET")).status, 405);
  });

  it("passes bodies to routes and refuses oversized ones with 413", async () => {
    const small = await httpsGet(`${server.url}/echo`, "prom:s3cret", "POST", "hello");
    assert.deepEqual([small.status, small.body], [200, "hello"]);
    const big = await httpsGet(`${server.url}/echo`, "prom:s3cret", "POST", "x".repeat(100));
    assert.equal(big.status, 413);
  });
});

describe("web config parsing", () => {
  const files = new Map([
    ["/c", Buffer.from("cert")],
    ["/k", Buffer.from("key")],
  ]);
  const read = (p: string) => {
    const file = files.get(p);
    if (!file) throw Object.assign(new Error("missing"), { code: "ENOENT" });
    return file;
  };

  it("reads TLS files and users", () => {
    const config = parseWebConfig(
      "tls_server_config: {cert_file: /c, key_file: /k}\nbasic_auth_users: {a: $2y$10$abcdefghijklmnopqrstuuM7Gk5Kcz3Vb2p7X5c0dZ1g5Qe9d0xWe}\n",
      read,
    );
    assert.equal(config.tls?.cert.toString(), "cert");
    assert.equal(config.tls?.minVersion, "TLSv1.2");
    assert.deepEqual([...config.basicAuthUsers.keys()], ["a"]);
  });

  it("rejects unknown keys, plain passwords and missing files with clear messages", () => {
    assert.throws(() => parseWebConfig("tls_config: {}\n", read), /web config: \(root\): Unrecognized key/);
    assert.throws(
      () => parseWebConfig("basic_auth_users: {a: plain}\n", read),
      /basic_auth_users\.a: must be a bcrypt hash/,
    );
    assert.throws(
      () => parseWebConfig("tls_server_config: {cert_file: /nope, key_file: /k}\n", read),
      (e: unknown) => e instanceof WebConfigError && /cannot read certificate \/nope: ENOENT/.test(e.message),
    );
  });
});

// The exporter HTTP layer: TLS, bcrypt basic auth, landing page, telemetry, routes, 404/405/413.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { request } from "node:https";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import bcrypt from "bcryptjs";
import { createLogger } from "../../src/lib/log.js";
import { startExporterServer, type ExporterServer } from "../../src/lib/web/exporterServer.js";
import { loadWebConfig, WebConfigError, parseWebConfig } from "../../src/lib/web/webConfig.js";
import { REPO_ROOT, tempDir } from "../helpers/stackmon.js";
import { startTestWebServer } from "../helpers/webServer.js";
import { makeCertificate, type TestCertificate } from "../helpers/tls.js";

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

describe("web config mistakes are refused at start, naming the file", () => {
  const dir = tempDir("stackmon-web-config-");
  let cert: TestCertificate;
  let other: TestCertificate;
  const HASH = bcrypt.hashSync("pw", 4);
  before(() => {
    cert = makeCertificate(dir, "localhost");
    other = makeCertificate(dir, "other");
    writeFileSync(join(dir, "empty.crt"), "");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes a web config, loads it, and gives the error message (or "" when it loads). */
  const refusal = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    try {
      loadWebConfig(file);
      return "";
    } catch (error) {
      assert.ok(error instanceof WebConfigError, String(error));
      assert.ok(error.message.startsWith(`${file}: `), `names the file: ${error.message}`);
      return error.message;
    }
  };
  const tls = (certFile: string, keyFile: string, extra = "") =>
    `tls_server_config:\n  cert_file: ${certFile}\n  key_file: ${keyFile}\n${extra}`;

  it("loads a good one: TLS files relative to it, users, the allowed headers", () => {
    const file = join(dir, "good.yml");
    writeFileSync(
      file,
      `${tls("localhost.crt", "localhost.key")}basic_auth_users:\n  prom: ${HASH}\n` +
        "http_server_config:\n  headers:\n    X-Frame-Options: deny\n    Strict-Transport-Security: max-age=31536000\n",
    );
    const config = loadWebConfig(file);
    assert.equal(config.tls?.cert.toString(), readFileSync(cert.certFile, "utf8"));
    assert.equal(config.tls?.minVersion, "TLSv1.2");
    assert.equal(config.tls?.clientAuth, "NoClientCert");
    assert.deepEqual([...config.basicAuthUsers.keys()], ["prom"]);
    assert.equal(config.headers["X-Frame-Options"], "deny");
  });

  it("refuses unknown keys and what is not YAML", () => {
    assert.match(refusal("unknown.yml", "tls_config: {}\n"), /\(root\): Unrecognized key/);
    assert.match(refusal("junk.yml", "basic_auth_users: [\n"), /not valid YAML/);
  });

  it("refuses header names and values exporter-toolkit does not allow", () => {
    assert.match(
      refusal("header-name.yml", "http_server_config:\n  headers:\n    Content-Type: text/html\n"),
      /http_server_config\.headers\.Content-Type: can not be configured/,
    );
    assert.match(
      refusal("header-bad-name.yml", 'http_server_config:\n  headers:\n    "Bad Header": x\n'),
      /headers\.Bad Header: can not be configured/,
    );
    assert.match(
      refusal("header-value.yml", "http_server_config:\n  headers:\n    X-Frame-Options: allow-all\n"),
      /headers\.X-Frame-Options: must be one of deny, sameorigin/,
    );
    assert.match(
      refusal(
        "header-control.yml",
        'http_server_config:\n  headers:\n    Content-Security-Policy: "a\\nb"\n',
      ),
      /Content-Security-Policy: holds a control character/,
    );
  });

  it("refuses plain passwords and bcrypt hashes that can never match", () => {
    assert.match(
      refusal("plain.yml", "basic_auth_users: {a: plain}\n"),
      /basic_auth_users\.a: must be a bcrypt hash/,
    );
    const cost = (c: string) => HASH.replace(/^\$2([aby])\$\d\d\$/, `$$2$1$$${c}$$`);
    assert.match(
      refusal("cost-high.yml", `basic_auth_users: {a: "${cost("99")}"}\n`),
      /cost outside 4\.\.31/,
    );
    assert.match(refusal("cost-low.yml", `basic_auth_users: {a: "${cost("03")}"}\n`), /cost outside 4\.\.31/);
    assert.match(
      refusal("truncated.yml", `basic_auth_users: {a: "${HASH.slice(0, 40)}"}\n`),
      /must be a bcrypt hash/,
    );
  });

  it("refuses a swapped, mismatched, empty or missing certificate or key, naming the files", () => {
    assert.match(
      refusal("swapped.yml", tls(cert.keyFile, cert.certFile)),
      new RegExp(`cert_file ${cert.keyFile} and key_file ${cert.certFile} are not a certificate and its key`),
    );
    assert.match(
      refusal("mismatched.yml", tls(cert.certFile, other.keyFile)),
      /are not a certificate and its key/,
    );
    assert.match(
      refusal("empty.yml", tls(join(dir, "empty.crt"), cert.keyFile)),
      /cert_file: .*empty\.crt is empty/,
    );
    assert.match(
      refusal("missing.yml", tls(join(dir, "nope.crt"), cert.keyFile)),
      /cert_file: cannot read .*nope\.crt: ENOENT/,
    );
    assert.match(
      refusal(
        "bad-ca.yml",
        tls(
          cert.certFile,
          cert.keyFile,
          `  client_ca_file: ${cert.keyFile}\n  client_auth_type: RequireAndVerifyClientCert\n`,
        ),
      ),
      /client_ca_file .* holds no certificate/,
    );
  });

  it("refuses a client CA without a client_auth_type that asks for certificates", () => {
    assert.match(
      refusal("ca-only.yml", tls(cert.certFile, cert.keyFile, `  client_ca_file: ${cert.certFile}\n`)),
      /client_ca_file is set without a client_auth_type/,
    );
  });

  it("an exporter given a bad web config exits 1 at start, naming the file", () => {
    const file = join(dir, "exporter.yml");
    writeFileSync(file, "http_server_config:\n  headers:\n    Bad Header: x\n");
    const result = spawnSync(
      process.execPath,
      [
        "--import",
        import.meta.resolve("tsx"),
        join(REPO_ROOT, "src/exporters/pm2/main.ts"),
        `--web.config.file=${file}`,
        "--web.listen-address=127.0.0.1:0",
      ],
      { encoding: "utf8", timeout: 30_000 },
    );
    assert.equal(result.status, 1, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(`cannot start.*${file.replace(/\//g, "\\/")}: http_server_config`),
    );
  });
});

describe("an exporter started by hand beyond loopback", () => {
  const dir = tempDir("stackmon-exposed-");
  after(() => rmSync(dir, { recursive: true, force: true }));

  const start = (flags: readonly string[]) =>
    spawnSync(
      process.execPath,
      ["--import", import.meta.resolve("tsx"), join(REPO_ROOT, "src/exporters/duplicati/main.ts"), ...flags],
      { encoding: "utf8", timeout: 30_000 },
    );

  it("refuses to listen on every interface without TLS and basic auth, as stackmon.yml refuses", () => {
    writeFileSync(join(dir, "token"), "a-token-of-sixteen-chars\n");
    writeFileSync(join(dir, "auth-only.yml"), `basic_auth_users:\n  prom: ${bcrypt.hashSync("pw", 4)}\n`);
    for (const web of [[], [`--web.config.file=${join(dir, "auth-only.yml")}`]]) {
      const result = start([
        "--web.listen-address=0.0.0.0:0",
        `--token-file=${join(dir, "token")}`,
        `--state-dir=${join(dir, "state")}`,
        ...web,
      ]);
      assert.equal(result.status, 1, result.stderr);
      assert.match(
        result.stderr,
        /--web.listen-address 0\.0\.0\.0:0 reaches beyond this host: give --web.config.file with tls_server_config and basic_auth_users/,
      );
    }
  });
});

describe("failed basic-auth attempts are limited per client", () => {
  let server: ExporterServer;
  const hash = bcrypt.hashSync("right", 4);
  before(async () => {
    server = await startTestWebServer({
      webConfig: parseWebConfig(`basic_auth_users:\n  prom: ${hash}\n`),
      authFailureLimit: { failures: 5, windowMs: 60_000 },
    });
  });
  after(async () => {
    await server?.close();
  });
  const scrape = (password: string) =>
    fetch(`${server.url}/metrics`, {
      headers: { Authorization: `Basic ${Buffer.from(`prom:${password}`).toString("base64")}` },
    });

  it("answers 429 with Retry-After once a client has failed too often, without running bcrypt", async () => {
    assert.equal((await scrape("right")).status, 200, "the right password is remembered");
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await scrape(`guess-${i}`)).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429, 429]);
    const limited = await scrape("guess-again");
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get("retry-after")) > 0);
    assert.equal(
      (await scrape("guess-1")).status,
      401,
      "a failure already checked costs nothing and stays 401",
    );
    assert.equal((await scrape("right")).status, 200, "a password already checked still works");
  });
});

// The PM2 exporter against a real PM2 daemon: fork and cluster apps, a crash loop, pm_id 0,
// deleted processes, the daemon killed and resurrected, no environment value leaking, auth and TLS.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import bcrypt from "bcryptjs";
import { parseExposition, sampleValue, type Sample } from "../helpers/exposition.js";
import { CRASHING_APP, HTTP_APP, startPm2, type TestPm2 } from "../helpers/pm2.js";
import { freePort } from "../helpers/ports.js";
import { REPO_ROOT, tempDir } from "../helpers/stackmon.js";
import { makeCertificate } from "../helpers/tls.js";
import { eventually } from "../helpers/eventually.js";

const TSX = import.meta.resolve("tsx");
const SECRET = "s3cr3t-env-value-never-exported";

interface Exporter {
  url: string;
  child: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

async function startExporter(pm2Home: string, extraArgs: string[] = []): Promise<Exporter> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      "--import",
      TSX,
      join(REPO_ROOT, "src/exporters/pm2/main.ts"),
      `--web.listen-address=127.0.0.1:${port}`,
      `--pm2.home=${pm2Home}`,
      "--pm2.interval=500ms",
      "--pm2.timeout=400ms",
      ...extraArgs,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr?.on("data", (c: Buffer) => (log += c.toString()));
  const deadline = Date.now() + 30_000;
  while (!/msg=listening/.test(log)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`exporter did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const scheme = extraArgs.some((a) => a.startsWith("--web.config.file")) ? "https" : "http";
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    child,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

async function scrape(url: string): Promise<{ samples: Sample[]; text: string }> {
  const response = await fetch(`${url}/metrics`);
  assert.equal(response.status, 200);
  const text = await response.text();
  return { samples: parseExposition(text), text };
}

describe("PM2 exporter against a real daemon", () => {
  let pm2: TestPm2;
  let exporter: Exporter;

  before(async () => {
    pm2 = startPm2();
    const http = pm2.app("http", HTTP_APP);
    pm2.run(["start", http, "--name", "web", "--env", "production"], { API_TOKEN: SECRET });
    pm2.run(["start", http, "--name", "api", "-i", "2"], { API_TOKEN: SECRET });
    // min_uptime exists only in ecosystem files: a process dying sooner counts as unstable.
    const crash = pm2.app("crash", CRASHING_APP);
    const ecosystem = join(pm2.appsDir, "crashy.config.js");
    writeFileSync(
      ecosystem,
      `module.exports = { apps: [{ name: "crashy", script: ${JSON.stringify(crash)}, min_uptime: 5000, max_restarts: 3 }] };\n`,
    );
    pm2.run(["start", ecosystem]);
    exporter = await startExporter(pm2.home);
  });
  after(async () => {
    await exporter?.stop();
    pm2?.stop();
  });

  it("reports every process, pm_id 0 included, with fork and cluster modes", async () => {
    const { samples } = await eventually("all processes", async () => {
      const s = await scrape(exporter.url);
      return sampleValue(s.samples, "pm2_app_instances", { name: "api", status: "online" }) === 2
        ? s
        : undefined;
    });
    assert.equal(
      sampleValue(samples, "pm2_process_status", { name: "web", pm_id: "0", status: "online" }),
      1,
    );
    assert.equal(sampleValue(samples, "pm2_process_status", { name: "web", status: "stopped" }), 0);
    assert.equal(
      samples.find((s) => s.name === "pm2_process_status" && s.labels["name"] === "web")?.labels["exec_mode"],
      "fork",
    );
    assert.equal(
      samples.find((s) => s.name === "pm2_process_status" && s.labels["name"] === "api")?.labels["exec_mode"],
      "cluster",
    );
    assert.ok((sampleValue(samples, "pm2_process_memory_bytes", { name: "web" }) ?? 0) > 1e6);
    assert.ok((sampleValue(samples, "pm2_process_start_time_seconds", { name: "web" }) ?? 0) > 1.6e9);
    assert.equal(sampleValue(samples, "pm2_daemon_up"), 1);
    assert.ok(!samples.some((s) => "instance" in s.labels), "no label collides with Prometheus's instance");
  });

  it("shows a crash loop: restarts rise and the process ends errored", async () => {
    const samples = await eventually("crashy errored", async () => {
      const { samples: s } = await scrape(exporter.url);
      return sampleValue(s, "pm2_process_status", { name: "crashy", status: "errored" }) === 1
        ? s
        : undefined;
    });
    assert.ok((sampleValue(samples, "pm2_process_restarts_total", { name: "crashy" }) ?? 0) >= 2);
    assert.notEqual(
      sampleValue(samples, "pm2_process_unstable_restarts_total", { name: "crashy" }),
      undefined,
    );
  });

  it("never exposes an environment variable's value", async () => {
    const { text } = await scrape(exporter.url);
    assert.doesNotMatch(text, new RegExp(SECRET));
    assert.doesNotMatch(text, /API_TOKEN/);
  });

  it("drops the series of a deleted process", async () => {
    pm2.run(["delete", "crashy"]);
    await eventually("crashy gone", async () => {
      const { text } = await scrape(exporter.url);
      return /name="crashy"/.test(text) ? undefined : true;
    });
  });

  it("answers 404 for unknown paths, with the exposition content type on /metrics", async () => {
    assert.equal((await fetch(`${exporter.url}/nope`)).status, 404);
    const response = await fetch(`${exporter.url}/metrics`);
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  });

  it("reports the daemon down when killed, then reconnects after resurrect, without a restart", async () => {
    pm2.run(["save"]);
    pm2.run(["kill"]);
    await eventually("daemon down", async () => {
      const { samples } = await scrape(exporter.url);
      return sampleValue(samples, "pm2_daemon_up") === 0 ? true : undefined;
    });
    const { samples: down } = await scrape(exporter.url);
    assert.ok((sampleValue(down, "pm2_exporter_collection_errors_total") ?? 0) >= 1);
    assert.equal(down.filter((s) => s.name === "pm2_process_status").length, 0, "no stale process series");
    pm2.run(["resurrect"]);
    await eventually("daemon back", async () => {
      const { samples } = await scrape(exporter.url);
      return sampleValue(samples, "pm2_daemon_up") === 1 &&
        sampleValue(samples, "pm2_process_status", { name: "web", status: "online" }) === 1
        ? true
        : undefined;
    });
    assert.equal(exporter.child.exitCode, null, "the exporter kept running");
    assert.equal(exporter.log().match(/cannot collect from PM2/g)?.length, 1, "one log line for the outage");
  });
});

describe("PM2 exporter without a daemon", () => {
  it("never starts one: it reports the daemon down", async () => {
    const home = tempDir("stackmon-pm2-empty-");
    const exporter = await startExporter(home);
    try {
      const { samples } = await eventually("a collection", async () => {
        const s = await scrape(exporter.url);
        return sampleValue(s.samples, "pm2_exporter_collection_errors_total") ? s : undefined;
      });
      assert.equal(sampleValue(samples, "pm2_daemon_up"), 0);
      assert.ok(!existsSync(join(home, "rpc.sock")), "no daemon socket was created");
      assert.ok(!existsSync(join(home, "pm2.pid")), "no daemon was started");
    } finally {
      await exporter.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe("PM2 exporter with TLS and basic auth", () => {
  it("refuses scrapes without valid credentials", async () => {
    const dir = tempDir("stackmon-pm2-tls-");
    const cert = makeCertificate(dir);
    const webConfig = join(dir, "web.yml");
    writeFileSync(
      webConfig,
      `tls_server_config: {cert_file: ${cert.certFile}, key_file: ${cert.keyFile}}\nbasic_auth_users:\n  prom: ${bcrypt.hashSync("pw", 4)}\n`,
    );
    const exporter = await startExporter(dir, [`--web.config.file=${webConfig}`]);
    const get = (auth?: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          `${exporter.url}/metrics`,
          {
            rejectUnauthorized: false,
            headers: auth ? { Authorization: `Basic ${Buffer.from(auth).toString("base64")}` } : {},
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.end();
      });
    try {
      assert.equal(await get(), 401);
      assert.equal(await get("prom:wrong"), 401);
      assert.equal(await get("prom:pw"), 200);
      await assert.rejects(fetch(`${exporter.url.replace("https", "http")}/metrics`).then((r) => r.text()));
    } finally {
      await exporter.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

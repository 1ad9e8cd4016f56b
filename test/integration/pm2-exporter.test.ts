// The PM2 exporter against a real PM2 daemon: fork and cluster apps, a crash loop, pm_id 0,
// deleted processes, an app's own @pm2/io metrics, collections only when scraped, the daemon
// stopped (slow) and killed then resurrected, no environment value leaking, auth and TLS.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import bcrypt from "bcryptjs";
import { parseExposition, sampleValue, type Sample } from "../helpers/exposition.js";
import {
  AWKWARD_METRIC,
  BURNING_APP,
  CRASHING_APP,
  HTTP_APP,
  IO_APP,
  startPm2,
  type TestPm2,
} from "../helpers/pm2.js";
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
      "--pm2.min-age=1s",
      "--pm2.list-max-age=2s",
      "--pm2.timeout=2s",
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
    pm2.run(["start", pm2.app("io", IO_APP), "--name", "io"]);
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

  it("exports the app's own @pm2/io gauge, counter, meter and histogram, in base units", async () => {
    const io = { name: "io" };
    const samples = await eventually("the meter's first rate", async () => {
      const { samples: s } = await scrape(exporter.url);
      const rate = sampleValue(s, "pm2_process_io_metric_per_second", { ...io, metric: "Requests" });
      return rate !== undefined && rate > 0 ? s : undefined;
    });
    assert.equal(sampleValue(samples, "pm2_process_io_metric", { ...io, metric: "Realtime users" }), 42);
    assert.equal(sampleValue(samples, "pm2_process_io_metric", { ...io, metric: "Jobs done" }), 5);
    assert.equal(
      sampleValue(samples, "pm2_process_io_metric_seconds", { ...io, metric: "Query time" }),
      0.03,
    );
    // Marked ten times a second, published per minute (about 600): about 10 per second.
    const rate = sampleValue(samples, "pm2_process_io_metric_per_second", { ...io, metric: "Requests" }) ?? 0;
    assert.ok(rate > 8 && rate < 11, `Requests at ${rate} per second`);
    // @pm2/io's own: the heap in its family, the heap usage as a ratio.
    assert.ok((sampleValue(samples, "pm2_process_heap_used_bytes", io) ?? 0) > 1e6);
    const usage = sampleValue(samples, "pm2_process_io_metric_ratio", { ...io, metric: "Heap Usage" }) ?? -1;
    assert.ok(usage > 0 && usage < 1, `heap usage ${usage}`);
    assert.ok(!samples.some((s) => s.labels["metric"] === "Release"), "a text value is skipped");
    assert.equal(sampleValue(samples, "pm2_exporter_io_metrics_dropped", io), 0);
  });

  it("escapes a metric name with quotes, a backslash and non-ASCII so that promtool reads it back", async () => {
    const { samples, text } = await scrape(exporter.url);
    assert.equal(sampleValue(samples, "pm2_process_io_metric", { name: "io", metric: AWKWARD_METRIC }), 7);
    const lint = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    assert.equal(lint.status, 0, `promtool check metrics: ${lint.stdout}${lint.stderr}`);
  });

  it("caps @pm2/io metrics per process and counts what it drops", async () => {
    const capped = await startExporter(pm2.home, ["--pm2.io-metrics-limit=2"]);
    try {
      const { samples } = await eventually("a collection", async () => {
        const s = await scrape(capped.url);
        return sampleValue(s.samples, "pm2_daemon_up") === 1 ? s : undefined;
      });
      const exported = samples.filter((s) => s.labels["name"] === "io" && s.labels["metric"] !== undefined);
      assert.equal(exported.length, 2);
      // Realtime users, Jobs done, Query time, Requests, the awkward one, Heap Usage: 6 numeric, 2 kept.
      assert.equal(sampleValue(samples, "pm2_exporter_io_metrics_dropped", { name: "io" }), 4);
    } finally {
      await capped.stop();
    }
  });

  it("asks the daemon only when scraped, once for scrapes that come together, and once per list age", async () => {
    // Its own exporter, with a list age long enough for a loaded machine to scrape well within it.
    const own = await startExporter(pm2.home, ["--pm2.min-age=0s", "--pm2.list-max-age=10s"]);
    try {
      const collections = (samples: Sample[]) =>
        sampleValue(samples, "pm2_exporter_collections_total") ?? NaN;
      const cpu = (samples: Sample[]) =>
        sampleValue(samples, "pm2_process_cpu_seconds_total", { name: "web" });
      const first = await eventually("a collection", async () => {
        const s = await scrape(own.url);
        return sampleValue(s.samples, "pm2_daemon_up") === 1 ? s.samples : undefined;
      });
      const [a, b] = await Promise.all([scrape(own.url), scrape(own.url)]);
      assert.equal(collections(a.samples), collections(b.samples), "two scrapes at once share a collection");
      assert.equal(collections(a.samples), collections(first), "within the list age, no new list");
      assert.notEqual(cpu(a.samples), undefined, "CPU time read from /proc at every scrape");
      await new Promise((r) => setTimeout(r, 11_000));
      const old = await scrape(own.url);
      assert.equal(collections(old.samples), collections(first), "an old list is renewed behind the scrape");
      const renewed = await eventually("the renewed list", async () => {
        const s = await scrape(own.url);
        return collections(s.samples) > collections(first) ? s.samples : undefined;
      });
      assert.equal(
        collections(renewed),
        collections(first) + 1,
        "eleven silent seconds, one renewal: no timer",
      );
    } finally {
      await own.stop();
    }
  });

  it("reads CPU and memory of each process as the system counts them, at each scrape", async () => {
    // A process that keeps a core busy half of the time, so that its CPU time moves between scrapes.
    const burn = pm2.app("burn", BURNING_APP);
    pm2.run(["start", burn, "--name", "burn"]);
    try {
      const pid = await eventually("burn online", async () => {
        const { samples } = await scrape(exporter.url);
        return sampleValue(samples, "pm2_process_status", { name: "burn", status: "online" }) === 1
          ? (JSON.parse(pm2.run(["jlist"])) as { name: string; pid: number }[]).find((p) => p.name === "burn")
              ?.pid
          : undefined;
      });
      const first = await scrape(exporter.url);
      const startedAt = Date.now();
      await new Promise((r) => setTimeout(r, 3000));
      const second = await scrape(exporter.url);
      const elapsed = (Date.now() - startedAt) / 1000;
      const psTimes = (field: string) =>
        Number(spawnSync("ps", ["-o", `${field}=`, "-p", String(pid)], { encoding: "utf8" }).stdout.trim());
      const counter = (samples: Sample[]) =>
        sampleValue(samples, "pm2_process_cpu_seconds_total", { name: "burn" }) ?? NaN;
      const used = counter(second.samples) - counter(first.samples);
      assert.ok(used > 0.3, `the counter moved by ${used} s in ${elapsed} s`);
      // ps counts whole seconds: the counter is never ahead of it by more than that.
      assert.ok(
        Math.abs(counter(second.samples) - psTimes("times")) <= 1.5,
        "the counter is the process's CPU time",
      );
      const percent = sampleValue(second.samples, "pm2_process_cpu_percent", { name: "burn" }) ?? NaN;
      const expected = (used / elapsed) * 100;
      assert.ok(
        Math.abs(percent - expected) < Math.max(10, expected * 0.3),
        `${percent} % against ${expected} %`,
      );
      const rss = psTimes("rss") * 1024;
      const memory = sampleValue(second.samples, "pm2_process_memory_bytes", { name: "burn" }) ?? NaN;
      assert.ok(Math.abs(memory - rss) < rss * 0.1, `memory ${memory} against ps ${rss}`);
    } finally {
      pm2.run(["delete", "burn"]);
    }
  });

  it("serves a stopped (slow) daemon's last snapshot with pm2_daemon_up 0, then recovers", async () => {
    const daemonPid = Number(readFileSync(join(pm2.home, "pm2.pid"), "utf8").trim());
    await eventually("a fresh collection", async () => {
      const s = await scrape(exporter.url);
      return sampleValue(s.samples, "pm2_daemon_up") === 1 ? true : undefined;
    });
    process.kill(daemonPid, "SIGSTOP");
    const stoppedAt = Date.now() / 1000;
    try {
      // The daemon cannot answer while stopped: every scrape returning at all shows none waited for it.
      // Its processes run on: the list due for renewal (2 s) is asked for, and times out (2 s).
      const samples = await eventually("daemon seen down", async () => {
        const { samples: s } = await scrape(exporter.url);
        return sampleValue(s, "pm2_daemon_up") === 0 ? s : undefined;
      });
      assert.equal(
        sampleValue(samples, "pm2_process_status", { name: "web", status: "online" }),
        1,
        "the last snapshot is still served",
      );
      const lastSuccess = sampleValue(samples, "pm2_exporter_last_success_timestamp_seconds") ?? NaN;
      assert.ok(lastSuccess <= stoppedAt, "its age shows");
      assert.ok(
        (sampleValue(samples, "pm2_process_cpu_seconds_total", { name: "web" }) ?? 0) > 0,
        "CPU still read",
      );
    } finally {
      process.kill(daemonPid, "SIGCONT");
    }
    await eventually("the daemon answering again", async () => {
      const { samples } = await scrape(exporter.url);
      return sampleValue(samples, "pm2_daemon_up") === 1 ? true : undefined;
    });
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
    const logBefore = exporter.log().length;
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
    assert.equal(
      exporter
        .log()
        .slice(logBefore)
        .match(/cannot collect from PM2/g)?.length,
      1,
      "one log line for the outage",
    );
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

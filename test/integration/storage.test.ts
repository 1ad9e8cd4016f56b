// Long-term storage with the real binaries: `stackmon up` runs VictoriaMetrics (Debian's 1.79)
// behind TLS and basic auth, the real Prometheus writes to it, and what it scraped is queried
// back from VictoriaMetrics. Two more Prometheus servers with the config stackmon renders for a
// pair (replica a and b) write the same target: VictoriaMetrics keeps one series, one sample per
// scrape interval. The password never shows in argv, its log or its /flags page.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { writeWorkTree } from "../../src/host/supervisor/workDir.js";
import { PrometheusClient } from "../../src/lib/prometheusClient.js";
import { maskedText } from "../../src/render/fileContent.js";
import { parseStackConfig, renderStack } from "../../src/stack.js";
import { eventually, sleep } from "../helpers/eventually.js";
import { freePorts } from "../helpers/ports.js";
import { runCli, startUp, tempDir, type UpProcess } from "../helpers/stackmon.js";
import { makeCertificate, type TestCertificate } from "../helpers/tls.js";

/** Every character systemd's environment files and shells treat specially. */
const PASSWORD = 'vm "pass" $HOME `id` \\n #1';
const SCRAPE_SECONDS = 2;

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** A request over TLS, the certificate checked against the test's CA. */
function httpsRequest(
  url: string,
  ca: string,
  options: { auth?: { user: string; password: string }; method?: string; body?: string } = {},
): Promise<Answer> {
  const { auth } = options;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca,
        method: options.method ?? "GET",
        headers: auth
          ? { Authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString("base64")}` }
          : {},
      },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`${url} timed out`)));
    req.end(options.body);
  });
}

const httpsGet = (url: string, ca: string, auth?: { user: string; password: string }) =>
  httpsRequest(url, ca, auth ? { auth } : {});

interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** The process whose command line holds `marker`, by its /proc entry. */
function processWith(marker: string): { pid: number; argv: string[] } | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean);
      if (argv.some((arg) => arg.includes(marker))) return { pid: Number(entry), argv };
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

describe("long-term storage with the real Prometheus and VictoriaMetrics", () => {
  let up: UpProcess;
  let cert: TestCertificate;
  let ca: string;
  let vmUrl: string;
  let workDir: string;
  let ports: number[];
  let prometheus: PrometheusClient;
  const pair: ChildProcess[] = [];
  const dir = tempDir("stackmon-storage-it-");

  const query = async (expr: string, atSecondsAgo = 0): Promise<VectorSample[]> => {
    const time = Date.now() / 1000 - atSecondsAgo;
    const url = `${vmUrl}/api/v1/query?${new URLSearchParams({ query: expr, time: String(time) }).toString()}`;
    const answer = await httpsGet(url, ca, { user: "prometheus", password: PASSWORD });
    assert.equal(answer.status, 200, answer.body);
    return (JSON.parse(answer.body) as { data: { result: VectorSample[] } }).data.result;
  };

  before(async () => {
    cert = makeCertificate(dir);
    ca = readFileSync(cert.certFile, "utf8");
    ports = await freePorts(8);
    const [prom, am, node, vm] = ports;
    prometheus = new PrometheusClient(`http://127.0.0.1:${prom}`);
    vmUrl = `https://127.0.0.1:${vm}`;
    writeFileSync(join(dir, "vm.password"), `${PASSWORD}\n`, { mode: 0o600 });
    const config = `
global: {hostname: it-host, scrape_interval: ${SCRAPE_SECONDS}s, scrape_timeout: 1s, evaluation_interval: ${SCRAPE_SECONDS}s}
prometheus: {listen_address: "127.0.0.1:${prom}"}
alertmanager: {listen_address: "127.0.0.1:${am}"}
grafana: {enabled: false}
exporters:
  node: {listen_address: "127.0.0.1:${node}"}
  blackbox: {enabled: false}
storage:
  enabled: true
  listen_address: "127.0.0.1:${vm}"
  web:
    tls: {cert_file: ${cert.certFile}, key_file: ${cert.keyFile}}
    basic_auth: {username: prometheus, password_file: ${join(dir, "vm.password")}}
alerting:
  rules:
    VictoriaMetricsSamplesDropped: {for: 0s}
    VictoriaMetricsIngestionFailing: {for: 0s}
`;
    mkdirSync(join(dir, "up"));
    up = await startUp(config, { dir: join(dir, "up") });
    workDir = join(dir, "up", "work");
  });

  after(async () => {
    for (const child of pair) child.kill("SIGTERM");
    await up?.stop();
  });

  it("receives what the real Prometheus scraped, through remote_write over TLS with basic auth", async () => {
    const found = await eventually(
      "the node exporter's up series in VictoriaMetrics",
      async () => {
        const result = await query('up{job="node", instance="it-host"}');
        return result.length === 1 && result[0]?.value[1] === "1" ? result : undefined;
      },
      90_000,
      1000,
    );
    assert.deepEqual(found[0]?.metric, { __name__: "up", instance: "it-host", job: "node" });
    // A sample with its value, not just a name: the node exporter's own build info is there too.
    const build = await eventually("node_exporter_build_info", async () => {
      const result = await query("node_exporter_build_info");
      return result.length > 0 ? result : undefined;
    });
    assert.match(build[0]?.metric["version"] ?? "", /^1\.\d+\.\d+/);
  });

  it("passes verify: samples arrive in the storage, and it refuses a request without credentials", async () => {
    const result = await eventually(
      "verify green",
      () => {
        const run = runCli(["verify", "-c", join(dir, "up", "stackmon.yml"), "--dir", workDir]);
        return run.status === 0 ? run : undefined;
      },
      60_000,
      2000,
    );
    assert.match(
      result.stdout,
      /^remote write stackmon-storage from it-host\s+OK\s+samples arrive at https:\/\/127\.0\.0\.1:\d+\/api\/v1\/write \(\d+ s behind\)$/m,
    );
    assert.match(
      result.stdout,
      /^endpoint storage 127\.0\.0\.1:\d+\s+OK\s+refuses a request without credentials \(401\), TLS$/m,
    );
  });

  it("refuses queries and writes without the password, and with a wrong one", async () => {
    const url = `${vmUrl}/api/v1/query?query=up`;
    assert.equal((await httpsGet(url, ca)).status, 401);
    assert.equal((await httpsGet(url, ca, { user: "prometheus", password: "wrong" })).status, 401);
    assert.equal((await httpsGet(`${vmUrl}/api/v1/write`, ca)).status, 401);
    // 1.79 serves these without basic auth unless they have their own key: stackmon gives them one.
    assert.equal((await httpsGet(`${vmUrl}/debug/pprof/`, ca)).status, 401);
    assert.equal((await httpsGet(`${vmUrl}/flags`, ca)).status, 401);
  });

  it("never has the password in argv, in its log, or on its /flags page", async () => {
    const vm = processWith(`-storageDataPath=${workDir}`);
    assert.ok(vm, "VictoriaMetrics runs");
    assert.ok(vm.argv.includes("-envflag.enable") && vm.argv.includes("-httpAuth.username=prometheus"));
    assert.ok(!vm.argv.join(" ").includes("pass"), `argv: ${vm.argv.join(" ")}`);
    const environ = readFileSync(`/proc/${vm.pid}/environ`, "utf8").split("\0");
    assert.ok(
      environ.includes(`httpAuth_password=${PASSWORD}`),
      "it got the password, unchanged, from its environment",
    );
    const log = readFileSync(join(workDir, "logs", "storage.log"), "utf8");
    assert.match(log, /flag "httpAuth\.password"="secret"/);
    assert.ok(!log.includes(PASSWORD));
    const flags = await httpsGet(`${vmUrl}/flags?authKey=${encodeURIComponent(PASSWORD)}`, ca);
    assert.equal(flags.status, 200);
    assert.match(flags.body, /-httpAuth\.password="secret"/);
    assert.ok(!flags.body.includes(PASSWORD));
    const metrics = await httpsGet(`${vmUrl}/metrics`, ca);
    assert.ok(!metrics.body.includes(PASSWORD), "nor in its metrics");
    const env = readFileSync(join(workDir, "etc/stackmon/victoria-metrics/environment"), "utf8");
    assert.ok(!env.includes(PASSWORD), "the file holds it escaped for systemd");
  });

  it("keeps one series, one sample per scrape interval, when a Prometheus pair (replica a and b) writes the same target", async () => {
    const [, , node, vm, promA, promB] = ports;
    // The prometheus.yml stackmon renders for each replica of a pair writing to this storage.
    const replicaConfig = (replica: string) => {
      const stack = renderStack(
        parseStackConfig(
          `
global: {hostname: it-host, scrape_interval: ${SCRAPE_SECONDS}s, scrape_timeout: 1s, external_labels: {replica: ${replica}}}
alertmanager: {enabled: false}
grafana: {enabled: false}
exporters: {node: {enabled: false}, blackbox: {enabled: false}}
prometheus:
  scrape_jobs: [{name: pair, targets: ["127.0.0.1:${node}"]}]
storage:
  enabled: true
  listen_address: "127.0.0.1:${vm}"
  web:
    tls: {cert_file: ${cert.certFile}, key_file: ${cert.keyFile}}
    basic_auth: {username: prometheus, password_file: ${join(dir, "vm.password")}}
`,
          "stackmon.yml",
          {},
        ),
        { root: join(dir, `replica-${replica}`), platform: "supervisor" },
      );
      const file = stack.files.find((f) => f.path === "/etc/prometheus/prometheus.yml");
      assert.ok(file);
      const rendered = parse(maskedText(file.content)) as {
        remote_write: Record<string, unknown>[];
        scrape_configs: { job_name: string }[];
      };
      // Only the pair's own job: the storage and Prometheus jobs are the stack's under `up`.
      rendered.scrape_configs = rendered.scrape_configs.filter((j) => j.job_name === "pair");
      assert.deepEqual(rendered.remote_write[0]?.["write_relabel_configs"], [
        { action: "labeldrop", regex: "replica" },
      ]);
      (rendered.remote_write[0]?.["basic_auth"] as Record<string, string>)["password_file"] = join(
        dir,
        "vm.password",
      );
      const path = join(dir, `replica-${replica}.yml`);
      writeFileSync(path, stringify({ ...rendered, rule_files: [] }));
      return path;
    };
    for (const [replica, port] of [
      ["a", promA],
      ["b", promB],
    ] as const) {
      pair.push(
        spawn(
          "prometheus",
          [
            `--config.file=${replicaConfig(replica)}`,
            `--storage.tsdb.path=${join(dir, `replica-${replica}-data`)}`,
            `--web.listen-address=127.0.0.1:${port}`,
          ],
          { stdio: "ignore" },
        ),
      );
    }
    const windowSeconds = 60;
    // VictoriaMetrics shows samples 30 s after they arrive (-search.latencyOffset): look that far back.
    await sleep((windowSeconds + 40) * 1000);
    const series = await query('up{job="pair"}', 35);
    assert.equal(series.length, 1, `one series, not one per replica: ${JSON.stringify(series)}`);
    assert.deepEqual(series[0]?.metric, {
      __name__: "up",
      instance: "127.0.0.1:" + String(node),
      job: "pair",
    });
    const stored = await query(`count_over_time(up{job="pair"}[${windowSeconds}s])`, 35);
    const samples = Number(stored[0]?.value[1]);
    const perReplica = windowSeconds / SCRAPE_SECONDS;
    assert.ok(
      samples >= perReplica - 2 && samples <= perReplica + 1,
      `${samples} samples in ${windowSeconds}s: one per ${SCRAPE_SECONDS}s interval, not one per replica (${perReplica * 2})`,
    );
    const deduplicated = await httpsGet(`${vmUrl}/metrics`, ca);
    const removed = [
      ...deduplicated.body.matchAll(/^vm_deduplicated_samples_total\{type="(merge|select)"\} (\d+)$/gm),
    ]
      .map((m) => Number(m[2]))
      .reduce((a, b) => a + b, 0);
    assert.ok(removed > 0, "VictoriaMetrics reports the duplicates it removed");
  });

  /** Older than Prometheus keeps anything (15 days), well within the storage's 12 months. */
  const old = Math.floor(Date.now() / 1000) - 40 * 86_400;

  it("serves history older than Prometheus's retention through Grafana's default datasource", async () => {
    const imported = await httpsRequest(`${vmUrl}/api/v1/import/prometheus`, ca, {
      auth: { user: "prometheus", password: PASSWORD },
      method: "POST",
      body: `history_before_prometheus{kept="a year"} 42 ${old * 1000}\n`,
    });
    assert.equal(imported.status, 204, imported.body);
    // The datasources Grafana would be given for this very stack.
    const text = readFileSync(join(dir, "up", "stackmon.yml"), "utf8").replace(
      "grafana: {enabled: false}",
      "",
    );
    const state = renderStack(parseStackConfig(text, "stackmon.yml", {}), {
      root: join(dir, "grafana"),
      platform: "supervisor",
    });
    const file = state.files.find((f) => f.path === "/etc/grafana/provisioning/datasources/stackmon.yaml");
    assert.ok(file);
    const { datasources } = parse(maskedText(file.content)) as {
      datasources: { uid: string; url: string; isDefault: boolean; basicAuthUser?: string }[];
    };
    const ask = async (uid: string) => {
      const source = datasources.find((d) => d.uid === uid);
      assert.ok(source, uid);
      const url = `${source.url}/api/v1/query?${new URLSearchParams({ query: "history_before_prometheus", time: String(old + 10) }).toString()}`;
      const answer = source.basicAuthUser
        ? await httpsGet(url, ca, { user: source.basicAuthUser, password: PASSWORD })
        : { status: 200, body: await (await fetch(url)).text() };
      assert.equal(answer.status, 200, answer.body);
      return (JSON.parse(answer.body) as { data: { result: VectorSample[] } }).data.result;
    };
    assert.deepEqual(
      datasources.filter((d) => d.isDefault).map((d) => d.uid),
      ["stackmon-storage"],
    );
    const fromDefault = await eventually("the 40-day-old sample from the default datasource", async () => {
      const result = await ask("stackmon-storage");
      return result.length > 0 ? result : undefined;
    });
    assert.deepEqual(
      fromDefault.map((r) => [r.metric["kept"], r.value[1]]),
      [["a year", "42"]],
    );
    assert.deepEqual(await ask("stackmon-prometheus"), [], "Prometheus itself has no such history");
  });

  it("is backed up and restored as docs/storage.md says: a snapshot through the authenticated API, vmbackup, vmrestore", async () => {
    // The 40-day-old sample of the test before is in what is backed up.
    const auth = { user: "prometheus", password: PASSWORD };
    assert.equal((await httpsGet(`${vmUrl}/snapshot/create`, ca)).status, 401, "snapshots need the password");
    const created = await httpsGet(`${vmUrl}/snapshot/create`, ca, auth);
    const snapshot = (JSON.parse(created.body) as { snapshot?: string }).snapshot ?? "";
    assert.match(snapshot, /^\d{14}-[0-9A-F]+$/, created.body);
    const vm = processWith(`-storageDataPath=${workDir}`);
    const dataPath = vm?.argv
      .find((a) => a.startsWith("-storageDataPath="))
      ?.slice("-storageDataPath=".length);
    assert.ok(dataPath);
    const [toolPort, restoredPort] = await freePorts(2);
    const tool = (name: string, args: readonly string[]) => {
      const run = spawnSync(name, [`-httpListenAddr=127.0.0.1:${toolPort}`, ...args], { encoding: "utf8" });
      assert.equal(run.status, 0, `${name}: ${run.stderr}`);
    };
    const backup = `fs://${join(dir, "backup")}`;
    tool("vmbackup", [`-storageDataPath=${dataPath}`, `-snapshotName=${snapshot}`, `-dst=${backup}`]);
    const deleted = await httpsGet(`${vmUrl}/snapshot/delete?snapshot=${snapshot}`, ca, auth);
    assert.equal(deleted.status, 200, deleted.body);
    const restoredPath = join(dir, "restored");
    tool("vmrestore", [`-src=${backup}`, `-storageDataPath=${restoredPath}`]);
    const restored = spawn(
      "victoria-metrics",
      [
        `-storageDataPath=${restoredPath}`,
        "-retentionPeriod=12",
        `-httpListenAddr=127.0.0.1:${restoredPort}`,
      ],
      { stdio: "ignore" },
    );
    pair.push(restored);
    const found = await eventually("the old sample in the restored copy", async () => {
      const url = `http://127.0.0.1:${restoredPort}/api/v1/query?${new URLSearchParams({ query: "history_before_prometheus", time: String(old + 10) }).toString()}`;
      const body = (await (await fetch(url)).json()) as { data: { result: VectorSample[] } };
      return body.data.result.length > 0 ? body.data.result : undefined;
    });
    assert.deepEqual(
      found.map((r) => [r.metric["kept"], r.value[1]]),
      [["a year", "42"]],
    );
  });

  const firing = (client: PrometheusClient, alertname: string, labels: string) =>
    eventually(
      `${alertname} firing`,
      async () => {
        const found = await client.query(`ALERTS{alertname="${alertname}", alertstate="firing", ${labels}}`);
        return found.length > 0 ? found : undefined;
      },
      120_000,
      1000,
    );

  it("fires its own alerts for real: samples dropped for their timestamp, and failing writes", async () => {
    const auth = { user: "prometheus", password: PASSWORD };
    // Two days ahead is beyond what VictoriaMetrics takes (lib/storage: big_timestamp).
    const future = Date.now() + 3 * 86_400_000;
    const imported = await httpsRequest(`${vmUrl}/api/v1/import`, ca, {
      auth,
      method: "POST",
      body: `${JSON.stringify({ metric: { __name__: "from_the_future" }, values: [1], timestamps: [future] })}\n`,
    });
    assert.equal(imported.status, 204, imported.body);
    for (let i = 0; i < 40; i++) {
      const refused = await httpsRequest(`${vmUrl}/api/v1/write`, ca, {
        auth,
        method: "POST",
        body: "not snappy",
      });
      assert.equal(refused.status, 400, "an unparseable write is refused");
    }
    await firing(prometheus, "VictoriaMetricsSamplesDropped", 'reason="big_timestamp", instance="it-host"');
    await firing(prometheus, "VictoriaMetricsIngestionFailing", 'instance="it-host"');
  });

  it("fires the remote-write alerts for real: a wrong password, and a receiver that is down", async () => {
    const [, , , vm, , , promC, closed] = ports;
    const root = join(dir, "remote-write-alerts");
    writeFileSync(join(dir, "wrong.password"), "not-the-password\n", { mode: 0o600 });
    const text = `
global: {hostname: rw-host, scrape_interval: ${SCRAPE_SECONDS}s, scrape_timeout: 1s, evaluation_interval: ${SCRAPE_SECONDS}s}
alertmanager: {enabled: false}
grafana: {enabled: false}
exporters: {node: {enabled: false}, blackbox: {enabled: false}}
prometheus:
  listen_address: "127.0.0.1:${promC}"
  remote_write:
    - url: "https://127.0.0.1:${vm}/api/v1/write"
      name: wrong-password
      basic_auth: {username: prometheus, password_file: ${join(dir, "wrong.password")}}
      tls: {ca_file: ${cert.certFile}}
    - {url: "http://127.0.0.1:${closed}/api/v1/write", name: nowhere}
alerting:
  rules:
    PrometheusRemoteWriteFailing: {for: 0s}
    PrometheusRemoteWriteNeverSent: {for: 0s}
`;
    const state = renderStack(parseStackConfig(text, "stackmon.yml", {}), { root, platform: "supervisor" });
    writeWorkTree(root, state, {});
    const service = state.services.find((s) => s.id === "prometheus");
    assert.ok(service);
    pair.push(spawn("prometheus", [...service.args], { stdio: "ignore" }));
    const client = new PrometheusClient(`http://127.0.0.1:${promC}`);
    const failing = await firing(client, "PrometheusRemoteWriteFailing", 'remote_name="wrong-password"');
    assert.equal(failing[0]?.metric["instance"], "rw-host");
    await firing(client, "PrometheusRemoteWriteNeverSent", 'remote_name="nowhere"');
    const never = await client.query(
      'ALERTS{alertname="PrometheusRemoteWriteNeverSent", remote_name="wrong-password"}',
    );
    assert.deepEqual(never, [], "a receiver that answers (even to refuse) is not 'never sent'");
  });
});

// bench/storage: what long-term storage costs, measured here at the rate a fleet really writes.
// (1) Series per host as our exporters produce them: `stackmon up` with every exporter on real
// parts (node, MariaDB behind mysqld_exporter, two PM2 apps, blackbox probing a site, Duplicati
// fed a report), counted per job in Prometheus; samples per second for 10, 100 and 1,000 hosts.
// (2) A fleet of N node-exporter hosts (the real exporter's series, replayed: bench/storageFleet)
// scraped every 15 s, for some minutes, by two Prometheus 2.42 side by side: stackmon's way (15
// days local, remote_write into Debian's VictoriaMetrics 1.79) and the competitor, Prometheus
// alone keeping a year. CPU seconds per hour and RSS of each process, and what remote_write
// adds to Prometheus (the first one's CPU less the second's). (3) Disk per sample once
// compacted: a day of the same series backfilled into a Prometheus block (compacted by
// Prometheus itself) and imported into VictoriaMetrics (merged). `--stress` adds the ingest rate
// VictoriaMetrics sustains when pushed as fast as it takes through vmagent's remote_write.
// Prints tables; `npm run bench:storage [-- --hosts 10,100 --minutes 5 --stress]`.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createReadStream, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { formatTable } from "../src/lib/textTable.js";
import { startMariaDb } from "../test/helpers/mariadb.js";
import { HTTP_APP, startPm2 } from "../test/helpers/pm2.js";
import { freePorts } from "../test/helpers/ports.js";
import { REPO_ROOT, startUp, tempDir } from "../test/helpers/stackmon.js";
import { cpuSeconds, rssMiB } from "./pm2Lab.js";
import { exposition, fleetTemplate, serveFleet, writeBackfill, type FleetTemplate } from "./storageFleet.js";

const INTERVAL_SECONDS = 15;
/** Prometheus adds these per target: up, scrape_duration_seconds, scrape_samples_*, scrape_series_added. */
const SYNTHETIC_SERIES = 5;
const SECONDS_PER_YEAR = 365 * 86_400;

const { values: options } = parseArgs({
  options: {
    hosts: { type: "string", default: "10,100" },
    minutes: { type: "string", default: "5" },
    "backfill-hosts": { type: "string", default: "2" },
    "backfill-hours": { type: "string", default: "24" },
    stress: { type: "boolean", default: false },
    "stress-hosts": { type: "string", default: "1000" },
    "stress-seconds": { type: "string", default: "30" },
  },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const int = (n: number) => Math.round(n).toLocaleString("en-US");
const fixed = (n: number, digits: number) => n.toFixed(digits);

async function get(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.text();
}

async function waitHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await get(url);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${url} never answered: ${(error as Error).message}`);
      await sleep(200);
    }
  }
}

async function promQuery(
  base: string,
  expr: string,
): Promise<{ metric: Record<string, string>; value: number }[]> {
  const body = JSON.parse(await get(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`)) as {
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** The sum of a metric's series matching `pattern` (one capture: the value) on a /metrics page. */
async function metricSum(base: string, pattern: RegExp): Promise<number> {
  const text = await get(`${base}/metrics`);
  return [...text.matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/** Bytes under a directory, as `du -sb` counts them. */
function diskBytes(dir: string): number {
  const du = spawnSync("du", ["-sb", dir], { encoding: "utf8" });
  return Number(du.stdout.split("\t")[0] ?? 0);
}

// ---- (1) series per job, measured on a running stack --------------------------------------------

interface Measured {
  /** Series per target of each job, synthetic ones (up, scrape_*) included. */
  readonly perJob: ReadonlyMap<string, number>;
  /** The node exporter's series and how each moved over one interval. */
  readonly node: FleetTemplate;
}

async function measureSeries(): Promise<Measured> {
  const db = await startMariaDb();
  const pm2 = startPm2();
  pm2.run(["start", pm2.app("shop", HTTP_APP), "--name", "shop"]);
  pm2.run(["start", pm2.app("api", HTTP_APP), "--name", "api"]);
  const site: Server = createServer((_req, res) => res.end("ok"));
  await new Promise<void>((r) => site.listen(0, "127.0.0.1", r));
  const sitePort = (site.address() as { port: number }).port;
  const [prom, am, node, blackbox, mysqld, pm2Port, dup, vm] = await freePorts(8);
  const token = "bench-duplicati-token-0123456789";
  const config = `
global: {hostname: bench, scrape_interval: 2s, scrape_timeout: 1s, evaluation_interval: 2s}
prometheus: {listen_address: "127.0.0.1:${prom}"}
alertmanager: {listen_address: "127.0.0.1:${am}"}
grafana: {enabled: false}
storage: {enabled: true, listen_address: "127.0.0.1:${vm}"}
exporters:
  node: {listen_address: "127.0.0.1:${node}"}
  blackbox:
    listen_address: "127.0.0.1:${blackbox}"
    targets: [{url: "http://127.0.0.1:${sitePort}/", name: site}]
  mysql: {enabled: true, listen_address: "127.0.0.1:${mysqld}", socket: "${db.socket}", user: ${db.exporterUser}, password_file: "${db.exporterPasswordFile}"}
  pm2: {enabled: true, user: root, pm2_home: "${pm2.home}", listen_address: "127.0.0.1:${pm2Port}"}
  duplicati: {enabled: true, listen_address: "127.0.0.1:${dup}", token_env: DUPLICATI_TOKEN, scrape_interval: 2s, backups: [{name: nightly-home, max_age: 26h}]}
`;
  const up = await startUp(config, { env: { ...process.env, DUPLICATI_TOKEN: token } });
  try {
    const report = readFileSync(join(REPO_ROOT, "test/fixtures/duplicati/json-2.1-success.json"), "utf8");
    const posted = await fetch(`http://127.0.0.1:${dup}/report?token=${token}`, {
      method: "POST",
      body: report,
      headers: { "Content-Type": "application/json" },
    });
    if (!posted.ok) throw new Error(`the Duplicati report was refused: HTTP ${posted.status}`);
    const nodeUrl = `http://127.0.0.1:${node}/metrics`;
    const before = await get(nodeUrl);
    // Every exporter scraped several times (rates and the report included), and the node
    // exporter's series one default interval apart.
    await sleep(INTERVAL_SECONDS * 1000);
    const after = await get(nodeUrl);
    await sleep(5000);
    const base = `http://127.0.0.1:${prom}`;
    const counts = await promQuery(base, 'count by (job) ({job!=""})');
    const targets = await promQuery(base, "count by (job) (up)");
    const perTarget = new Map(targets.map((t) => [t.metric["job"] ?? "", t.value]));
    const perJob = new Map(
      counts
        .map((c) => [c.metric["job"] ?? "", c.value / (perTarget.get(c.metric["job"] ?? "") ?? 1)] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
    return { perJob, node: fleetTemplate(before, after) };
  } finally {
    await up.stop();
    pm2.stop();
    await db.stop();
    site.close();
  }
}

// ---- processes ----------------------------------------------------------------------------------

interface Started {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly base: string;
}

async function startProcess(
  command: string,
  args: readonly string[],
  port: number,
  ready: string,
): Promise<Started> {
  const child = spawn(command, [...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitHttp(`${base}${ready}`);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${command} did not start: ${(error as Error).message}\n${stderr}`);
  }
  return { child, pid: child.pid ?? 0, base };
}

async function stop(started: Started | undefined): Promise<void> {
  if (!started || started.child.exitCode !== null) return;
  const exited = new Promise((r) => started.child.once("exit", r));
  started.child.kill("SIGTERM");
  await Promise.race([exited, sleep(30_000)]);
}

function startVictoriaMetrics(dir: string, port: number): Promise<Started> {
  return startProcess(
    "victoria-metrics",
    [
      `-storageDataPath=${dir}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      // As stackmon runs it: a year, and one sample per series per scrape interval.
      "-retentionPeriod=12",
      `-dedup.minScrapeInterval=${INTERVAL_SECONDS}s`,
    ],
    port,
    "/health",
  );
}

function startPrometheus(dir: string, port: number, configYaml: string, retention: string): Promise<Started> {
  const configFile = join(dir, "prometheus.yml");
  writeFileSync(configFile, configYaml);
  return startProcess(
    "prometheus",
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--storage.tsdb.retention.time=${retention}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    port,
    "/-/ready",
  );
}

/** A Prometheus config scraping `hosts` hosts of the fleet server, each its own target and instance. */
function fleetPrometheusYaml(hosts: number, fleetPort: number, remoteWrite?: string): string {
  const targets = Array.from(
    { length: hosts },
    (_, h) =>
      `      - targets: ["127.0.0.1:${fleetPort}"]\n        labels: {instance: host-${h}, __param_host: "${h}"}`,
  );
  // stackmon's own remote_write to its storage (src/components/prometheus): default queue settings.
  const write = remoteWrite
    ? `remote_write:\n  - url: ${remoteWrite}\n    name: stackmon-storage\n    write_relabel_configs: [{action: labeldrop, regex: replica}]\n`
    : "";
  return `global: {scrape_interval: ${INTERVAL_SECONDS}s, scrape_timeout: 10s}
scrape_configs:
  - job_name: node
    static_configs:
${targets.join("\n")}
${write}`;
}

// ---- (2) the fleet at its real rate ---------------------------------------------------------------

interface Usage {
  readonly cpuSecondsPerHour: number;
  readonly rssMiB: number;
}

interface RealRate {
  readonly hosts: number;
  readonly series: number;
  readonly samplesPerSecond: number;
  readonly withRemoteWrite: Usage;
  readonly alone: Usage;
  readonly victoriaMetrics: Usage;
  /** Disk grown per sample while it ran: VictoriaMetrics' fresh parts, Prometheus's head and WAL. */
  readonly vmBytesPerSampleFresh: number;
  readonly promBytesPerSampleFresh: number;
  readonly refused: number;
}

async function realRate(template: FleetTemplate, hosts: number, minutes: number): Promise<RealRate> {
  const dir = tempDir("stackmon-bench-storage-");
  const fleet = await serveFleet(template, INTERVAL_SECONDS);
  const [vmPort, writerPort, alonePort] = await freePorts(3);
  const running: Started[] = [];
  try {
    const vm = await startVictoriaMetrics(join(dir, "vm"), vmPort ?? 0);
    running.push(vm);
    const writer = await startPrometheus(
      tempSubdir(dir, "writer"),
      writerPort ?? 0,
      fleetPrometheusYaml(hosts, fleet.port, `${vm.base}/api/v1/write`),
      "15d",
    );
    running.push(writer);
    const alone = await startPrometheus(
      tempSubdir(dir, "alone"),
      alonePort ?? 0,
      fleetPrometheusYaml(hosts, fleet.port),
      "1y",
    );
    running.push(alone);
    // Every series created (a one-off cost), then the steady state is measured.
    for (const prometheus of [writer, alone]) {
      for (;;) {
        const up = await promQuery(prometheus.base, "count(up == 1)");
        if ((up[0]?.value ?? 0) >= hosts) break;
        await sleep(1000);
      }
    }
    await sleep(2 * INTERVAL_SECONDS * 1000);
    const samples = () =>
      metricSum(writer.base, /^prometheus_tsdb_head_samples_appended_total(?:\{[^}]*\})? (\S+)$/gm);
    const stored = () => metricSum(vm.base, /^vm_rows_inserted_total\{type="promremotewrite"\} (\S+)$/gm);
    const cpu = () => running.map((p) => cpuSeconds(p.pid));
    const disks = () => [diskBytes(join(dir, "vm")), diskBytes(join(dir, "alone", "data"))];
    const [samples0, stored0, cpu0, disk0] = [await samples(), await stored(), cpu(), disks()];
    const began = Date.now();
    await sleep(minutes * 60_000);
    const elapsed = (Date.now() - began) / 1000;
    const [samples1, cpu1] = [await samples(), cpu()];
    // What was sent in the window has arrived: give the queue its last seconds.
    await sleep(10_000);
    const [stored1, disk1] = [await stored(), disks()];
    const perHour = (i: number) => (((cpu1[i] ?? 0) - (cpu0[i] ?? 0)) / elapsed) * 3600;
    const usage = (i: number): Usage => ({
      cpuSecondsPerHour: perHour(i),
      rssMiB: rssMiB(running[i]?.pid ?? 0),
    });
    const appended = samples1 - samples0;
    return {
      hosts,
      series: hosts * (template.series.length + SYNTHETIC_SERIES),
      samplesPerSecond: appended / elapsed,
      victoriaMetrics: usage(0),
      withRemoteWrite: usage(1),
      alone: usage(2),
      vmBytesPerSampleFresh: ((disk1[0] ?? 0) - (disk0[0] ?? 0)) / Math.max(1, stored1 - stored0),
      promBytesPerSampleFresh: ((disk1[1] ?? 0) - (disk0[1] ?? 0)) / Math.max(1, appended),
      refused: await metricSum(
        writer.base,
        /^prometheus_remote_storage_samples_failed_total\{[^}]*\} (\S+)$/gm,
      ),
    };
  } finally {
    for (const p of running.reverse()) await stop(p);
    fleet.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function tempSubdir(dir: string, name: string): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  return path;
}

// ---- (3) disk per sample once compacted ----------------------------------------------------------

interface Compacted {
  readonly samples: number;
  readonly prometheusBytes: number;
  readonly victoriaMetricsBytes: number;
}

/** Waits until `measure` gives the same answer `times` times in a row, `everyMs` apart. */
async function settled(
  measure: () => Promise<string> | string,
  everyMs: number,
  times: number,
): Promise<void> {
  let last = "";
  let same = 0;
  while (same < times) {
    await sleep(everyMs);
    const now = await measure();
    same = now === last ? same + 1 : 0;
    last = now;
  }
}

async function compacted(template: FleetTemplate, hosts: number, hours: number): Promise<Compacted> {
  const dir = tempDir("stackmon-bench-storage-disk-");
  const running: Started[] = [];
  try {
    const endSeconds = Math.floor(Date.now() / 1000 / 3600) * 3600;
    const shape = { hosts, hours, intervalSeconds: INTERVAL_SECONDS, endSeconds };
    const openMetrics = join(dir, "fleet.om");
    const samples = await writeBackfill(template, openMetrics, { ...shape, format: "openmetrics" });
    // Prometheus: 2 h blocks from promtool, then compacted by Prometheus itself, as it would
    // over the days (the head is empty: everything is in blocks).
    const blocks = join(dir, "prometheus");
    const made = spawnSync(
      "promtool",
      ["tsdb", "create-blocks-from", "openmetrics", "-q", openMetrics, blocks],
      {
        encoding: "utf8",
      },
    );
    if (made.status !== 0) throw new Error(`promtool: ${made.stderr}`);
    const [promPort, vmPort] = await freePorts(2);
    writeFileSync(join(dir, "prometheus.yml"), "scrape_configs: []\n");
    const prometheus = await startProcess(
      "prometheus",
      [
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${blocks}`,
        "--storage.tsdb.retention.time=1y",
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      promPort ?? 0,
      "/-/ready",
    );
    running.push(prometheus);
    await settled(() => readdirSync(blocks).sort().join(","), 20_000, 3);
    await stop(prometheus);
    const prometheusBytes = readdirSync(blocks)
      .filter((name) => /^[0-9A-Z]{26}$/.test(name))
      .reduce((sum, name) => sum + diskBytes(join(blocks, name)), 0);
    rmSync(openMetrics);

    // VictoriaMetrics: the same samples imported (Prometheus text: milliseconds), then merged.
    const text = join(dir, "fleet.prom");
    await writeBackfill(template, text, { ...shape, format: "prometheus" });
    const vm = await startVictoriaMetrics(join(dir, "vm"), vmPort ?? 0);
    running.push(vm);
    const imported = await fetch(`${vm.base}/api/v1/import/prometheus`, {
      method: "POST",
      body: Readable.toWeb(createReadStream(text)) as ReadableStream<Uint8Array>,
      duplex: "half",
    });
    if (imported.status !== 204) throw new Error(`import: HTTP ${imported.status} ${await imported.text()}`);
    await get(`${vm.base}/internal/force_flush`);
    for (const month of monthsOf(endSeconds - hours * 3600, endSeconds))
      await get(`${vm.base}/internal/force_merge?partition_prefix=${month}`);
    const vmData = join(dir, "vm");
    await settled(() => String(diskBytes(vmData)), 10_000, 3);
    return { samples, prometheusBytes, victoriaMetricsBytes: diskBytes(vmData) };
  } finally {
    for (const p of running.reverse()) await stop(p);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** VictoriaMetrics' monthly partitions (YYYY_MM) a time range touches. */
function monthsOf(fromSeconds: number, toSeconds: number): string[] {
  const months = new Set<string>();
  for (let t = fromSeconds; t <= toSeconds; t += 86_400) {
    const date = new Date(t * 1000);
    months.add(`${date.getUTCFullYear()}_${String(date.getUTCMonth() + 1).padStart(2, "0")}`);
  }
  return [...months];
}

// ---- stress: as fast as VictoriaMetrics takes it ---------------------------------------------------

async function stress(template: FleetTemplate, hosts: number, seconds: number): Promise<string[]> {
  const dir = tempDir("stackmon-bench-storage-stress-");
  const [vmPort, agentPort] = await freePorts(2);
  const running: Started[] = [];
  try {
    const vm = await startVictoriaMetrics(join(dir, "vm"), vmPort ?? 0);
    running.push(vm);
    const agent = await startProcess(
      "vmagent",
      [
        `-remoteWrite.url=${vm.base}/api/v1/write`,
        `-remoteWrite.tmpDataPath=${join(dir, "agent")}`,
        `-httpListenAddr=127.0.0.1:${agentPort}`,
      ],
      agentPort ?? 0,
      "/health",
    );
    running.push(agent);
    const inserted = () => metricSum(vm.base, /^vm_rows_inserted_total\{type="promremotewrite"\} (\S+)$/gm);
    // Yesterday onwards, one interval apart: nothing deduplicated away, nothing too old.
    const start = Date.now() - 86_400_000;
    const sendRound = async (round: number) => {
      const timestamp = start + round * INTERVAL_SECONDS * 1000;
      for (let first = 0; first < hosts; first += 8) {
        const bodies = Array.from({ length: Math.min(8, hosts - first) }, (_, i) =>
          withTimestamps(exposition(template, first + i, round), first + i, timestamp),
        );
        await Promise.all(
          bodies.map(async (body) => {
            const response = await fetch(`${agent.base}/api/v1/import/prometheus`, { method: "POST", body });
            if (response.status !== 204) throw new Error(`vmagent import: HTTP ${response.status}`);
          }),
        );
      }
    };
    await sendRound(0);
    const perRound = hosts * template.series.length;
    while ((await inserted()) < perRound) await sleep(200);
    const before = await inserted();
    const cpuBefore = cpuSeconds(vm.pid);
    const began = Date.now();
    let rounds = 0;
    while (Date.now() - began < seconds * 1000) await sendRound(++rounds);
    while ((await inserted()) < before + rounds * perRound) await sleep(100);
    const elapsed = (Date.now() - began) / 1000;
    const rate = ((await inserted()) - before) / elapsed;
    const cores = (cpuSeconds(vm.pid) - cpuBefore) / elapsed;
    return [
      int(hosts),
      int(perRound),
      int(rate),
      fixed(cores, 2),
      int(rate / Math.max(cores, 0.01)),
      int(rssMiB(vm.pid)),
    ];
  } finally {
    for (const p of running.reverse()) await stop(p);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A host's exposition as Prometheus text with its instance label and a timestamp on every sample. */
function withTimestamps(text: string, host: number, timestampMs: number): string {
  let out = "";
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    const key = line.slice(0, space);
    const own = `instance="host-${host}",job="node"`;
    const labelled = key.endsWith("}") ? `${key.slice(0, -1)},${own}}` : `${key}{${own}}`;
    out += `${labelled}${line.slice(space)} ${timestampMs}\n`;
  }
  return out;
}

// ---- output -------------------------------------------------------------------------------------

function gib(bytes: number): string {
  if (bytes >= 1024 ** 4) return `${fixed(bytes / 1024 ** 4, 1)} TiB`;
  return bytes >= 1024 ** 3 ? `${fixed(bytes / 1024 ** 3, 1)} GiB` : `${int(bytes / 1024 ** 2)} MiB`;
}

async function main(): Promise<void> {
  const fleetSizes = (options.hosts ?? "")
    .split(",")
    .map(Number)
    .filter((n) => n > 0);
  const minutes = Number(options.minutes);
  console.log("measuring series per job on a running stack (about a minute)...");
  const measured = await measureSeries();
  const series = (job: string) => measured.perJob.get(job) ?? 0;
  console.log("\nSeries per target, measured (Prometheus's own up/scrape_* series included):\n");
  console.log(formatTable([["JOB", "SERIES"], ...[...measured.perJob].map(([job, n]) => [job, int(n)])]));
  const profiles: [string, number][] = [
    ["node exporter only", series("node")],
    ["web host: node + PM2 (2 apps)", series("node") + series("pm2")],
    ["db host: node + mysqld + Duplicati", series("node") + series("mysql") + series("duplicati")],
  ];
  console.log(`\nSamples per second at the default ${INTERVAL_SECONDS} s interval, per Prometheus:\n`);
  console.log(
    formatTable([
      ["HOSTS", ...profiles.map(([name]) => name)],
      ...[10, 100, 1000].map((hosts) => [
        int(hosts),
        ...profiles.map(([, n]) => `${int((hosts * n) / INTERVAL_SECONDS)}/s (${int(hosts * n)} series)`),
      ]),
    ]),
  );

  const template = measured.node;
  const results: RealRate[] = [];
  for (const hosts of fleetSizes) {
    console.log(`\n${int(hosts)} node hosts scraped every ${INTERVAL_SECONDS} s for ${minutes} min...`);
    results.push(await realRate(template, hosts, minutes));
  }
  console.log(
    `\nAt the real rate (${minutes} min, after every series was created). CPU is per hour of running; RSS at the end.` +
      "\nstackmon's way: Prometheus keeps 15 days and writes to VictoriaMetrics. The competitor: Prometheus alone keeps a year.\n",
  );
  console.log(
    formatTable([
      [
        "HOSTS",
        "SERIES",
        "SAMPLES/S",
        "PROMETHEUS+RW CPU",
        "REMOTE_WRITE'S SHARE",
        "VM CPU",
        "VM RSS",
        "PROMETHEUS+RW RSS",
        "PROMETHEUS ALONE CPU",
        "PROMETHEUS ALONE RSS",
        "REFUSED",
      ],
      ...results.map((r) => [
        int(r.hosts),
        int(r.series),
        int(r.samplesPerSecond),
        `${int(r.withRemoteWrite.cpuSecondsPerHour)} s/h`,
        `${int(r.withRemoteWrite.cpuSecondsPerHour - r.alone.cpuSecondsPerHour)} s/h`,
        `${int(r.victoriaMetrics.cpuSecondsPerHour)} s/h`,
        `${int(r.victoriaMetrics.rssMiB)} MiB`,
        `${int(r.withRemoteWrite.rssMiB)} MiB`,
        `${int(r.alone.cpuSecondsPerHour)} s/h`,
        `${int(r.alone.rssMiB)} MiB`,
        int(r.refused),
      ]),
    ]),
  );
  console.log(
    "\nDisk grown per sample while it ran (VictoriaMetrics' fresh parts; Prometheus's head chunks and WAL, before any compaction):\n",
  );
  console.log(
    formatTable([
      ["HOSTS", "VICTORIAMETRICS", "PROMETHEUS"],
      ...results.map((r) => [
        int(r.hosts),
        `${fixed(r.vmBytesPerSampleFresh, 2)} B`,
        `${fixed(r.promBytesPerSampleFresh, 2)} B`,
      ]),
    ]),
  );

  const hosts = Number(options["backfill-hosts"]);
  const hours = Number(options["backfill-hours"]);
  console.log(`\nbackfilling ${hours} h of ${hosts} node hosts for the disk measurement...`);
  const disk = await compacted(template, hosts, hours);
  const vmPerSample = disk.victoriaMetricsBytes / disk.samples;
  const promPerSample = disk.prometheusBytes / disk.samples;
  console.log(
    `\nDisk once compacted: ${int(disk.samples)} samples (${hours} h of ${hosts} hosts) in Prometheus blocks (compacted by Prometheus) and in VictoriaMetrics (merged):\n`,
  );
  console.log(
    formatTable([
      ["STORE", "BYTES", "PER SAMPLE"],
      ["VictoriaMetrics 1.79", int(disk.victoriaMetricsBytes), `${fixed(vmPerSample, 2)} B`],
      ["Prometheus 2.42 blocks", int(disk.prometheusBytes), `${fixed(promPerSample, 2)} B`],
    ]),
  );
  const nodeSeries = template.series.length + SYNTHETIC_SERIES;
  console.log(
    `\nA year of node-exporter hosts (${int(nodeSeries)} series each, ${INTERVAL_SECONDS} s) on disk at those rates; stackmon's way also keeps Prometheus's own 15 days:\n`,
  );
  console.log(
    formatTable([
      ["HOSTS", "STACKMON: VM 1 YEAR + PROMETHEUS 15 DAYS", "PROMETHEUS ALONE, 1 YEAR"],
      ...[10, 100, 1000].map((n) => {
        const perSecond = (n * nodeSeries) / INTERVAL_SECONDS;
        return [
          int(n),
          gib(perSecond * (SECONDS_PER_YEAR * vmPerSample + 15 * 86_400 * promPerSample)),
          gib(perSecond * SECONDS_PER_YEAR * promPerSample),
        ];
      }),
    ]),
  );

  if (options.stress) {
    const stressHosts = Number(options["stress-hosts"]);
    const seconds = Number(options["stress-seconds"]);
    console.log(
      `\nstress: ${int(stressHosts)} hosts' scrapes pushed through vmagent as fast as they go, ${seconds} s...`,
    );
    const row = await stress(template, stressHosts, seconds);
    console.log(
      "\nStress: the load generator, vmagent and VictoriaMetrics share this machine's cores; VM CORES is what VictoriaMetrics spent of them:\n",
    );
    console.log(
      formatTable([["HOSTS", "SERIES", "SAMPLES/S", "VM CORES", "PER VM CORE", "VM RSS MiB"], row]),
    );
  }
}

await main();

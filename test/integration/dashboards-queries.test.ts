// Every panel of every dashboard against the real stack, in Prometheus and in the long-term
// storage Grafana reads by default (VictoriaMetrics): `stackmon up` with Prometheus scraping
// the node exporter, mysqld_exporter on a real MariaDB, blackbox probing a local HTTPS site, a
// plain site, a TCP port and ping, the PM2 exporter on a real daemon and the Duplicati exporter
// fed real reports. Template variables take the values Prometheus returns for them; each query
// must run without error and return data, unless its panel says why it may be empty.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { DashboardSpec, RenderTarget } from "../../src/components/component.js";
import { inventoryOf, type PanelInventory, type QueryInventory } from "../../src/dashboards/inventory.js";
import { interpolate } from "../../src/dashboards/promql.js";
import { stackDashboards } from "../../src/dashboards/stackDashboards.js";
import { PrometheusClient } from "../../src/lib/prometheusClient.js";
import { components } from "../../src/components/registry.js";
import { parseStackConfig } from "../../src/stack.js";
import { startMariaDb, type TestMariaDb } from "../helpers/mariadb.js";
import { HTTP_APP, startPm2, type TestPm2 } from "../helpers/pm2.js";
import { freePorts } from "../helpers/ports.js";
import { REPO_ROOT, startUp, tempDir, type UpProcess } from "../helpers/stackmon.js";
import { makeCertificate } from "../helpers/tls.js";
import { eventually } from "../helpers/eventually.js";

/** The overview and every dashboard of the registry: the stack below turns every component on. */
const EVERY_DASHBOARD = ["stackmon-overview", ...components.flatMap((c) => c.dashboardUids)];

const TOKEN = "dashboards-test-token-0123456789";
const UP_TARGET: RenderTarget = { root: "", platform: "supervisor" };
const HOST_TARGET: RenderTarget = { root: "", platform: "systemd" };

/**
 * Grafana's built-in intervals for a 1s scrape interval: $__rate_interval covers several scrapes
 * (Grafana would take 4 × 1s; a little more keeps a late scrape from emptying a rate), $__range
 * the few minutes the stack has run.
 */
const BUILT_INS = { __rate_interval: "10s", __interval: "2s", __range: "5m" } as const;
const RANGE_SECONDS = 60;
const STEP_SECONDS = 2;

interface ApiAnswer {
  status: "success" | "error";
  error?: string;
  data: unknown;
}

/** One Prometheus API call by POST (queries can be long); the error text when it refuses. */
async function prometheusApi(base: string, path: string, params: Record<string, string>): Promise<unknown> {
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  const answer = (await response.json()) as ApiAnswer;
  if (answer.status !== "success") throw new Error(answer.error ?? `HTTP ${response.status}`);
  return answer.data;
}

/** How many finite values a query returns: instant as a stat shows it, range as a graph does. */
async function finiteValues(base: string, expr: string, instant: boolean): Promise<number> {
  const now = Date.now() / 1000;
  const finite = (v: string) => Number.isFinite(Number(v));
  if (instant) {
    const data = (await prometheusApi(base, "/api/v1/query", { query: expr, time: String(now) })) as {
      resultType: string;
      result: { value: [number, string] }[] | [number, string];
    };
    if (data.resultType === "scalar") return finite((data.result as [number, string])[1]) ? 1 : 0;
    return (data.result as { value: [number, string] }[]).filter((r) => finite(r.value[1])).length;
  }
  const data = (await prometheusApi(base, "/api/v1/query_range", {
    query: expr,
    start: String(now - RANGE_SECONDS),
    end: String(now),
    step: String(STEP_SECONDS),
  })) as { result: { values: [number, string][] }[] };
  return data.result.reduce((n, series) => n + series.values.filter(([, v]) => finite(v)).length, 0);
}

/** The values of a `label_values(selector, label)` variable, as Grafana asks Prometheus for them. */
async function labelValues(base: string, query: string): Promise<string[]> {
  const match = /^label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\)$/s.exec(query);
  if (!match) throw new Error(`not a label_values query: ${query}`);
  const now = Date.now() / 1000;
  const series = (await prometheusApi(base, "/api/v1/series", {
    "match[]": match[1] ?? "",
    start: String(now - 600),
    end: String(now),
  })) as Record<string, string>[];
  return [
    ...new Set(series.flatMap((s) => (s[match[2] ?? ""] !== undefined ? [s[match[2] ?? ""] as string] : []))),
  ].sort();
}

/** Every query variable of a dashboard resolved in order (later ones may use earlier ones). */
async function resolveVariables(base: string, spec: DashboardSpec): Promise<Record<string, string[]>> {
  const values: Record<string, string[]> = {};
  for (const variable of inventoryOf(spec).variables) {
    if (variable.type !== "query" || variable.query === undefined) continue;
    values[variable.name] = await labelValues(base, interpolate(variable.query, values));
  }
  return values;
}

interface QueryOutcome {
  readonly panel: PanelInventory;
  readonly query: QueryInventory;
  readonly expr: string;
  readonly error?: string;
  readonly values: number;
}

async function runQuery(
  base: string,
  panel: PanelInventory,
  query: QueryInventory,
  variables: Record<string, string[]>,
): Promise<QueryOutcome> {
  const expr = interpolate(query.expr, { ...variables, ...BUILT_INS });
  try {
    return { panel, query, expr, values: await finiteValues(base, expr, query.instant) };
  } catch (error) {
    return { panel, query, expr, error: (error as Error).message, values: 0 };
  }
}

/** Every query of a panel returns data, unless the panel says when it may be empty: then it only has to run. */
function panelProblem(outcomes: readonly QueryOutcome[]): string | undefined {
  const errors = outcomes.filter((o) => o.error !== undefined);
  if (errors.length > 0)
    return errors
      .map((o) => `query ${o.query.refId} failed: ${o.error ?? ""}\n      ${o.expr}`)
      .join("\n    ");
  if (outcomes[0]?.panel.emptyWhen !== undefined) return undefined;
  const empty = outcomes.filter((o) => o.values === 0);
  if (empty.length === 0) return undefined;
  return empty.map((o) => `query ${o.query.refId} returns no data:\n      ${o.expr}`).join("\n    ");
}

async function checkPanel(
  base: string,
  panel: PanelInventory,
  variables: Record<string, string[]>,
): Promise<string | undefined> {
  // Startup is uneven (a rate needs two scrapes, a report its first scrape): give it time.
  let problem: string | undefined;
  const deadline = Date.now() + 30_000;
  do {
    const outcomes = await Promise.all(panel.queries.map((q) => runQuery(base, panel, q, variables)));
    problem = panelProblem(outcomes);
    if (problem === undefined || outcomes.some((o) => o.error !== undefined)) return problem;
    await new Promise((r) => setTimeout(r, 1000));
  } while (Date.now() < deadline);
  return problem;
}

describe("every dashboard panel against the real stack", () => {
  let db: TestMariaDb;
  let pm2: TestPm2;
  let up: UpProcess;
  let configText: string;
  let base: string;
  /** VictoriaMetrics, Grafana's default datasource when the stack has long-term storage. */
  let storageBase: string;
  const servers: Server[] = [];

  before(async () => {
    db = await startMariaDb();
    pm2 = startPm2();
    pm2.run(["start", pm2.app("http", HTTP_APP), "--name", "shop"]);

    const cert = makeCertificate(tempDir("stackmon-dashboards-cert-"));
    const https = createHttpsServer(
      { cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) },
      (_req, res) => res.end("ok"),
    );
    const http = createHttpServer((_req, res) => res.end("ok"));
    for (const server of [https, http]) {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      servers.push(server);
    }
    const httpsPort = (https.address() as AddressInfo).port;
    const httpPort = (http.address() as AddressInfo).port;

    const [prom, am, node, blackbox, mysqld, pm2Port, dup, vm] = await freePorts(8);
    configText = `
global: {hostname: it-host, scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
prometheus: {listen_address: "127.0.0.1:${prom}"}
alertmanager: {listen_address: "127.0.0.1:${am}"}
exporters:
  node: {listen_address: "127.0.0.1:${node}"}
  blackbox:
    listen_address: "127.0.0.1:${blackbox}"
    targets:
      - {url: "https://localhost:${httpsPort}/", name: local-https}
      - {url: "http://127.0.0.1:${httpPort}/", name: local-http}
    tcp_targets: [{address: "127.0.0.1:${db.port}", name: mariadb}]
    icmp_targets: [{host: 127.0.0.1, name: loopback}]
  mysql:
    enabled: true
    listen_address: "127.0.0.1:${mysqld}"
    socket: "${db.socket}"
    user: ${db.exporterUser}
    password_file: "${db.exporterPasswordFile}"
  pm2: {enabled: true, user: root, pm2_home: "${pm2.home}", listen_address: "127.0.0.1:${pm2Port}"}
  duplicati:
    enabled: true
    listen_address: "127.0.0.1:${dup}"
    token_env: DUPLICATI_TOKEN
    scrape_interval: 1s
    backups: [{name: nightly-home, max_age: 26h}]
storage: {enabled: true, listen_address: "127.0.0.1:${vm}"}
`;
    up = await startUp(configText, { env: { ...process.env, DUPLICATI_TOKEN: TOKEN } });
    base = `http://127.0.0.1:${prom}`;
    storageBase = `http://127.0.0.1:${vm}`;

    for (const fixture of ["json-2.1-success.json", "json-error-long-duration.json"]) {
      const response = await fetch(`http://127.0.0.1:${dup}/report?token=${TOKEN}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: readFileSync(join(REPO_ROOT, "test/fixtures/duplicati", fixture), "utf8"),
      });
      assert.equal(response.status, 200, `${fixture} accepted`);
    }
    const prometheus = new PrometheusClient(base);
    await eventually("every target up", async () => {
      const targets = await prometheus.activeTargets();
      return targets.length > 0 && targets.every((t) => t.health === "up") ? targets : undefined;
    });
    await eventually("both Duplicati reports scraped", async () => {
      const results = await prometheus.query("duplicati_backup_last_result == 1");
      return results.length === 2 ? results : undefined;
    });
  });

  after(async () => {
    await up?.stop();
    pm2?.stop();
    await db?.stop();
    for (const server of servers) server.close();
  });

  const dashboards = () => stackDashboards(parseStackConfig(configText, "stackmon.yml", {}), UP_TARGET);

  it("has the dashboards of every component of the registry and the overview", () => {
    assert.deepEqual(
      dashboards()
        .map((d) => d.uid)
        .sort(),
      [...EVERY_DASHBOARD].sort(),
    );
  });

  it("gives every template variable values from Prometheus", async () => {
    for (const spec of dashboards()) {
      const values = await resolveVariables(base, spec);
      for (const [name, list] of Object.entries(values))
        assert.ok(list.length > 0, `${spec.uid}: $${name} has no values`);
    }
  });

  for (const uid of EVERY_DASHBOARD) {
    it(`runs every query of ${uid} without error, with data wherever the panel promises some`, async () => {
      const spec = dashboards().find((d) => d.uid === uid);
      assert.ok(spec, `${uid} is rendered`);
      const variables = await resolveVariables(base, spec);
      const problems: string[] = [];
      for (const panel of inventoryOf(spec).panels) {
        if (panel.queries.length === 0) continue;
        const problem = await checkPanel(base, panel, variables);
        if (problem !== undefined) problems.push(`panel "${panel.title}": ${problem}`);
      }
      assert.deepEqual(problems, [], `${uid}:\n  ${problems.join("\n  ")}`);
    });
  }

  it("runs every query of every dashboard against the long-term storage (Grafana's default), with data wherever promised", async () => {
    // VictoriaMetrics answers for samples 30 s old and more (-search.latencyOffset): wait for a
    // minute of history there, as a range query of the last minute needs.
    await eventually(
      "a minute of history in VictoriaMetrics",
      async () => ((await finiteValues(storageBase, 'up{job="node"}', false)) >= 10 ? true : undefined),
      120_000,
      2000,
    );
    const problems: string[] = [];
    for (const spec of dashboards()) {
      const variables = await resolveVariables(storageBase, spec);
      for (const [name, list] of Object.entries(variables))
        if (list.length === 0) problems.push(`${spec.uid}: $${name} has no values`);
      for (const panel of inventoryOf(spec).panels) {
        if (panel.queries.length === 0) continue;
        const problem = await checkPanel(storageBase, panel, variables);
        if (problem !== undefined) problems.push(`${spec.uid} panel "${panel.title}": ${problem}`);
      }
    }
    assert.deepEqual(problems, [], problems.join("\n"));
  });

  it("runs the queries of panels only a systemd host has (its units) without error", async () => {
    const onHost = stackDashboards(parseStackConfig(configText, "stackmon.yml", {}), HOST_TARGET);
    const upPanels = new Set(
      dashboards().flatMap((d) => inventoryOf(d).panels.map((p) => `${d.uid}/${p.title}`)),
    );
    const extra = onHost.flatMap((d) =>
      inventoryOf(d)
        .panels.filter((p) => !upPanels.has(`${d.uid}/${p.title}`))
        .map((panel) => ({ spec: d, panel })),
    );
    assert.ok(extra.length > 0, "a systemd host has panels `up` does not");
    for (const { spec, panel } of extra) {
      const variables = await resolveVariables(base, spec);
      for (const query of panel.queries) {
        const outcome = await runQuery(base, panel, query, variables);
        assert.equal(
          outcome.error,
          undefined,
          `${spec.uid} "${panel.title}" ${query.refId}: ${outcome.expr}`,
        );
      }
    }
  });
});

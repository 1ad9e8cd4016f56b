import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { GRAFANA_ALERTING_CONFIG } from "../../test/helpers/dashboardConfigs.js";
import { assertGolden } from "../../test/helpers/golden.js";
import { fullExampleText } from "../loadStack.js";
import { HOST_TARGET, parseStackConfig, renderStack } from "../stack.js";
import type { DesiredState } from "./desiredState.js";
import { maskedText } from "./fileContent.js";
import { formatDashboard } from "../dashboards/format.js";
import { inventoryOf } from "../dashboards/inventory.js";

/** Settings the tests below look at: intervals, labels, an exposed endpoint with TLS and auth. */
const TUNED_CONFIG = `
global:
  hostname: web1
  scrape_interval: 30s
  external_labels: {env: prod, region: eu}
prometheus:
  retention: 30d
  retention_size: 20GB
  external_url: https://prometheus.example.com
exporters:
  node:
    scrape_interval: 1m
  mysql:
    enabled: true
    socket: /run/mysqld/mysqld.sock
    password_file: /etc/stackmon/secrets/mysql.password
  blackbox:
    listen_address: 0.0.0.0:9115
    web:
      tls: {cert_file: /etc/ssl/bb.crt, key_file: /etc/ssl/bb.key}
      basic_auth: {username: prom, password_env: BLACKBOX_PASSWORD}
    targets:
      - url: https://shop.example.com
        name: shop
      - url: http://intranet.example.com/health
    tcp_targets:
      - address: db.example.com:5432
`;

/** The whole desired state as one readable text: each file with its mode and owner. */
function describeState(state: DesiredState): string {
  const files = state.files.map(
    (f) =>
      `=== ${f.path} (${f.mode.toString(8)} ${f.owner}:${f.group})\n${reviewText(f.path, maskedText(f.content))}`,
  );
  const services = state.services.map((s) => `${s.id}: ${s.unit} as ${s.user}`);
  return [...files, "=== services", ...services, ""].join("\n");
}

/**
 * A dashboard reads better in review as its panels and queries than as Grafana's JSON (whose
 * byte-for-byte stability the dashboard tests check).
 */
function reviewText(path: string, text: string): string {
  if (!path.startsWith("/etc/grafana/dashboards/") || !path.endsWith(".json")) return text;
  const json = JSON.parse(text) as { uid: string; title: string };
  return `${formatDashboard(inventoryOf({ uid: json.uid, title: json.title, json }))}\n`;
}

function fileText(state: DesiredState, path: string): string {
  const file = state.files.find((f) => f.path === path);
  assert.ok(file, `${path} is rendered`);
  return maskedText(file.content);
}

describe("render", () => {
  it("renders the defaults as in the golden file", () => {
    const state = renderStack(parseStackConfig("global: {hostname: web1}", "stackmon.yml", {}), HOST_TARGET);
    assertGolden("render/defaults.txt", describeState(state));
  });

  it("renders every component's and section's example (the full config) as in the golden file", () => {
    const state = renderStack(parseStackConfig(fullExampleText(), "stackmon.yml", {}), HOST_TARGET);
    assertGolden("render/full.txt", describeState(state));
  });

  it("renders the full config with Grafana evaluating the alerts as in the golden file", () => {
    const state = renderStack(parseStackConfig(GRAFANA_ALERTING_CONFIG, "stackmon.yml", {}), HOST_TARGET);
    assertGolden("render/full-grafana-engine.txt", describeState(state));
  });

  it("renders the tuned config as in the golden file", () => {
    const state = renderStack(parseStackConfig(TUNED_CONFIG, "stackmon.yml", {}), HOST_TARGET);
    assertGolden("render/tuned.txt", describeState(state));
  });

  it("is deterministic: key order in the YAML does not change a byte", () => {
    const reordered = `
exporters:
  blackbox:
    tcp_targets:
      - address: db.example.com:5432
    targets:
      - name: shop
        url: https://shop.example.com
      - url: http://intranet.example.com/health
    web:
      basic_auth: {password_env: BLACKBOX_PASSWORD, username: prom}
      tls: {key_file: /etc/ssl/bb.key, cert_file: /etc/ssl/bb.crt}
    listen_address: 0.0.0.0:9115
  mysql:
    password_file: /etc/stackmon/secrets/mysql.password
    socket: /run/mysqld/mysqld.sock
    enabled: true
  node:
    scrape_interval: 1m
prometheus:
  external_url: https://prometheus.example.com
  retention_size: 20GB
  retention: 30d
global:
  external_labels: {region: eu, env: prod}
  scrape_interval: 30s
  hostname: web1
`;
    const a = renderStack(parseStackConfig(TUNED_CONFIG, "a.yml", {}), HOST_TARGET);
    const b = renderStack(parseStackConfig(reordered, "b.yml", {}), HOST_TARGET);
    assert.equal(JSON.stringify(a), JSON.stringify(b));
  });

  it("gives Prometheus the global interval, per-job overrides, labels, rules and Alertmanager", () => {
    const state = renderStack(parseStackConfig(TUNED_CONFIG, "stackmon.yml", {}), HOST_TARGET);
    const config = parse(fileText(state, "/etc/prometheus/prometheus.yml")) as {
      global: Record<string, unknown>;
      rule_files: string[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
      scrape_configs: { job_name: string; scrape_interval?: string }[];
    };
    assert.equal(config.global["scrape_interval"], "30s");
    assert.deepEqual(config.global["external_labels"], { env: "prod", region: "eu" });
    assert.deepEqual(config.rule_files, ["/etc/prometheus/rules/*.yml"]);
    assert.deepEqual(config.alerting.alertmanagers[0]?.static_configs[0]?.targets, ["127.0.0.1:9093"]);
    const node = config.scrape_configs.find((j) => j.job_name === "node");
    assert.equal(node?.scrape_interval, "1m");
    const jobs = config.scrape_configs.map((j) => j.job_name);
    assert.deepEqual(jobs, [...jobs].sort(), "jobs are sorted");
  });

  it("keeps 15 days of data by default, as a flag of the service", () => {
    const state = renderStack(parseStackConfig("", "stackmon.yml", {}), HOST_TARGET);
    const prometheus = state.services.find((s) => s.id === "prometheus");
    assert.ok(prometheus?.args.includes("--storage.tsdb.retention.time=15d"));
  });

  it("never puts a secret into a unit, an argument or a world-readable file", () => {
    const state = renderStack(parseStackConfig(TUNED_CONFIG, "stackmon.yml", {}), HOST_TARGET);
    for (const file of state.files) {
      if (typeof file.content !== "string")
        assert.equal(file.mode & 0o007, 0, `${file.path} is not world-readable`);
    }
    const cnf = state.files.find((f) => f.path.endsWith("/my.cnf"));
    assert.ok(cnf && typeof cnf.content !== "string", "my.cnf holds the password as a secret part");
    for (const service of state.services) {
      assert.ok(
        !service.args.some((a) => /password/i.test(a) && !a.startsWith("--config.my-cnf")),
        service.id,
      );
    }
  });

  it("protects an exposed endpoint with TLS and bcrypt basic auth, and scrapes it with credentials", () => {
    const state = renderStack(parseStackConfig(TUNED_CONFIG, "stackmon.yml", {}), HOST_TARGET);
    const webConfig = fileText(state, "/etc/stackmon/blackbox-exporter/web-config.yml");
    assert.match(webConfig, /cert_file: \/etc\/ssl\/bb\.crt/);
    assert.match(
      webConfig,
      /"prom": <secret: exporters\.blackbox\.web\.basic_auth\.password_env \(\$BLACKBOX_PASSWORD\)>/,
    );
    const config = parse(fileText(state, "/etc/prometheus/prometheus.yml")) as {
      scrape_configs: { job_name: string; scheme?: string; basic_auth?: { password_file: string } }[];
    };
    const job = config.scrape_configs.find((j) => j.job_name === "blackbox_http");
    assert.equal(job?.scheme, "https");
    assert.equal(job?.basic_auth?.password_file, "/etc/prometheus/secrets/blackbox.password");
  });

  it("probes certificate expiry only for https targets", () => {
    const state = renderStack(parseStackConfig(TUNED_CONFIG, "stackmon.yml", {}), HOST_TARGET);
    const tls = state.scrapeJobs.find((j) => j.jobName === "blackbox_tls");
    assert.deepEqual(
      tls?.staticConfigs.map((s) => s.targets[0]),
      ["https://shop.example.com"],
    );
  });

  it("hardens every unit", () => {
    const state = renderStack(parseStackConfig("", "stackmon.yml", {}), HOST_TARGET);
    const units = state.files.filter((f) => f.path.startsWith("/etc/systemd/system/"));
    assert.equal(units.length, state.services.length);
    for (const unit of units) {
      const text = maskedText(unit.content);
      for (const directive of [
        "NoNewPrivileges=true",
        "ProtectSystem=strict",
        "CapabilityBoundingSet=",
        "UMask=0027",
      ]) {
        assert.ok(text.includes(directive), `${unit.path} has ${directive}`);
      }
    }
  });

  it("lays paths under the work directory for up", () => {
    const state = renderStack(parseStackConfig("", "stackmon.yml", {}), {
      root: "/tmp/work",
      platform: "supervisor",
    });
    assert.ok(!state.files.some((f) => f.path.startsWith("/etc/systemd/")), "no units without systemd");
    const prometheus = state.services.find((s) => s.id === "prometheus");
    assert.ok(prometheus?.args.includes("--config.file=/tmp/work/etc/prometheus/prometheus.yml"));
  });
});

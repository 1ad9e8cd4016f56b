import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { configProblems } from "../../../test/helpers/configProblems.js";
import { ConfigError } from "../../config/configError.js";
import { maskedText } from "../../render/fileContent.js";
import type { DesiredState } from "../../render/desiredState.js";
import { HOST_TARGET, parseFleet, parseStackConfig, renderFleetHost, renderStack } from "../../stack.js";

const rendered = (text: string) => renderStack(parseStackConfig(text, "stackmon.yml", {}), HOST_TARGET);

function fileText(state: DesiredState, path: string): string {
  const file = state.files.find((f) => f.path === path);
  assert.ok(file, `${path} is rendered`);
  return maskedText(file.content);
}

interface PrometheusYaml {
  remote_write?: Record<string, unknown>[];
  scrape_configs: { job_name: string; scheme?: string; static_configs: { targets: string[] }[] }[];
}
const prometheusYml = (state: DesiredState) =>
  parse(fileText(state, "/etc/prometheus/prometheus.yml")) as PrometheusYaml;

interface DatasourceYaml {
  uid: string;
  url: string;
  isDefault: boolean;
  basicAuthUser?: string;
  jsonData: Record<string, unknown>;
  secureJsonData?: Record<string, string>;
}
const datasources = (state: DesiredState) =>
  (
    parse(fileText(state, "/etc/grafana/provisioning/datasources/stackmon.yaml")) as {
      datasources: DatasourceYaml[];
    }
  ).datasources;

const storageService = (state: DesiredState) => {
  const service = state.services.find((s) => s.id === "storage");
  assert.ok(service, "VictoriaMetrics runs");
  return service;
};

const EXPOSED = `
global: {hostname: store1}
storage:
  enabled: true
  listen_address: 0.0.0.0:8428
  web:
    tls: {cert_file: /etc/ssl/vm.crt, key_file: /etc/ssl/vm.key}
    basic_auth: {username: prometheus, password_env: VM_PASSWORD}
`;

describe("storage component", () => {
  it("is off unless asked for: no VictoriaMetrics, no remote_write, Prometheus stays Grafana's default", () => {
    const state = rendered("global: {hostname: web1}\n");
    assert.ok(!state.services.some((s) => s.id === "storage"));
    assert.equal(prometheusYml(state).remote_write, undefined);
    assert.deepEqual(
      datasources(state)
        .filter((d) => d.isDefault)
        .map((d) => d.uid),
      ["stackmon-prometheus"],
    );
  });

  it("runs VictoriaMetrics on loopback with 12 months of retention and the scrape interval as dedup interval", () => {
    const service = storageService(
      rendered("global: {hostname: web1, scrape_interval: 1m}\nstorage: {enabled: true}\n"),
    );
    assert.deepEqual(service.args, [
      "-storageDataPath=/var/lib/victoria-metrics",
      "-retentionPeriod=12",
      "-dedup.minScrapeInterval=60s",
      "-httpListenAddr=127.0.0.1:8428",
    ]);
    assert.equal(service.unit, "victoria-metrics.service");
    assert.equal(service.user, "_victoria-metrics", "Debian's user, which owns the data directory");
    assert.equal(service.environmentFile, undefined, "nothing secret without basic auth");
    assert.deepEqual(service.hardening.readWritePaths, ["/var/lib/victoria-metrics"]);
  });

  it("takes retention in VictoriaMetrics' units, months as mo, and at least a day", () => {
    const args = (retention: string) =>
      storageService(rendered(`storage: {enabled: true, retention: ${retention}}\n`)).args.find((a) =>
        a.startsWith("-retentionPeriod="),
      );
    assert.equal(args("2y"), "-retentionPeriod=2y");
    assert.equal(args("90d"), "-retentionPeriod=90d");
    assert.equal(args("18mo"), "-retentionPeriod=18");
    assert.deepEqual(configProblems("storage: {enabled: true, retention: 12h}\n"), [
      "stackmon.yml:1:37: storage.retention: must be at least a day (1d)",
    ]);
    assert.match(
      configProblems("storage: {retention: forever}\n")[0] ?? "",
      /^stackmon\.yml:1:22: storage\.retention: must be a number with h, d, w, y or mo/,
    );
  });

  it("makes every Prometheus write to it, dropping the pair's replica label, and scrapes it as its own job", () => {
    const state = rendered("global: {hostname: web1}\nstorage: {enabled: true}\n");
    const config = prometheusYml(state);
    assert.deepEqual(config.remote_write, [
      {
        url: "http://127.0.0.1:8428/api/v1/write",
        name: "stackmon-storage",
        write_relabel_configs: [{ action: "labeldrop", regex: "replica" }],
      },
    ]);
    assert.deepEqual(
      config.scrape_configs.find((j) => j.job_name === "victoriametrics")?.static_configs[0]?.targets,
      ["127.0.0.1:8428"],
    );
  });

  it("becomes Grafana's default datasource (PromQL, fixed uid); Prometheus stays for the recent days", () => {
    const found = datasources(rendered("global: {hostname: web1}\nstorage: {enabled: true}\n"));
    assert.deepEqual(
      found
        .filter((d) => d.uid !== "stackmon-alertmanager")
        .map((d) => [d.uid, d.url, d.isDefault, d.jsonData]),
      [
        ["stackmon-prometheus", "http://127.0.0.1:9090", false, { httpMethod: "POST", timeInterval: "15s" }],
        ["stackmon-storage", "http://127.0.0.1:8428", true, { httpMethod: "POST", timeInterval: "15s" }],
      ],
    );
  });

  it("refuses to listen beyond loopback without TLS and basic auth", () => {
    assert.deepEqual(configProblems("storage: {enabled: true, listen_address: 0.0.0.0:8428}\n"), [
      "stackmon.yml:1:42: storage.listen_address: listens on 0.0.0.0, beyond this host, so it needs web.tls and web.basic_auth",
    ]);
  });

  it("exposed: TLS and basic auth by flags, the password only in a root-only environment file, never in argv", () => {
    const state = rendered(EXPOSED);
    const service = storageService(state);
    assert.deepEqual(service.args.slice(3), [
      "-httpListenAddr=0.0.0.0:8428",
      "-tls",
      "-tlsCertFile=/etc/ssl/vm.crt",
      "-tlsKeyFile=/etc/ssl/vm.key",
      "-envflag.enable",
      "-httpAuth.username=prometheus",
    ]);
    assert.ok(!service.args.some((a) => /password/i.test(a)));
    assert.equal(service.environmentFile, "/etc/stackmon/victoria-metrics/environment");
    const env = state.files.find((f) => f.path === service.environmentFile);
    assert.deepEqual([env?.mode, env?.owner, env?.group], [0o600, "root", "root"]);
    assert.deepEqual(
      typeof env?.content === "object" ? env.content.template.filter((p) => typeof p !== "string") : [],
      ["httpAuth_password", "flagsAuthKey", "pprofAuthKey"].map(() => ({
        secret: { kind: "env", name: "VM_PASSWORD", configKey: "storage.web.basic_auth.password_env" },
        as: "env-quoted",
      })),
    );
    assert.match(
      fileText(state, "/etc/systemd/system/victoria-metrics.service"),
      /^EnvironmentFile=\/etc\/stackmon\/victoria-metrics\/environment$/m,
    );
  });

  it("exposed: Prometheus writes and scrapes over https with its own copy of the password; Grafana logs in the same way", () => {
    const state = rendered(EXPOSED);
    const write = prometheusYml(state).remote_write?.[0];
    assert.deepEqual(write, {
      url: "https://127.0.0.1:8428/api/v1/write",
      name: "stackmon-storage",
      basic_auth: { username: "prometheus", password_file: "/etc/prometheus/secrets/storage.password" },
      // Loopback to this host's own listener, as for every local scrape.
      tls_config: { insecure_skip_verify: true },
      write_relabel_configs: [{ action: "labeldrop", regex: "replica" }],
    });
    const copy = state.files.find((f) => f.path === "/etc/prometheus/secrets/storage.password");
    assert.deepEqual([copy?.mode, copy?.group], [0o640, "prometheus"]);
    const grafana = datasources(state).find((d) => d.uid === "stackmon-storage");
    assert.equal(grafana?.basicAuthUser, "prometheus");
    assert.equal(
      grafana?.secureJsonData?.["basicAuthPassword"],
      "$__file{/etc/stackmon/grafana/storage.password}",
    );
  });

  it("has its alerts and its dashboard, whose thresholds are the catalog's", () => {
    const state = rendered(
      "global: {hostname: web1}\nstorage: {enabled: true}\nalerting: {rules: {VictoriaMetricsDiskFillingUp: {threshold: 5}}}\n",
    );
    const rules = fileText(state, "/etc/prometheus/rules/stackmon-storage.yml");
    for (const alert of [
      "VictoriaMetricsDiskFillingUp",
      "VictoriaMetricsReadOnly",
      "VictoriaMetricsIngestionFailing",
      "VictoriaMetricsSamplesDropped",
    ])
      assert.match(rules, new RegExp(`alert: ${alert}$`, "m"));
    assert.match(rules, /< 5 \* 86400/);
    const dashboard = fileText(state, "/etc/grafana/dashboards/stackmon/stackmon-storage.json");
    assert.match(dashboard, /below the alert's 5 days/);
    assert.match(
      dashboard,
      /"current": \{\s*"selected": true,\s*"text": "stackmon-storage",\s*"value": "stackmon-storage"/,
    );
  });
});

const FLEET = `
hosts:
  mon1: { ssh: admin@10.0.0.5, roles: [server] }
  store1: { ssh: admin@10.0.0.9, roles: [storage], storage: { retention: 2y } }
  web1: { ssh: deploy@10.0.0.11 }
`;

describe("storage in a fleet", () => {
  const fleet = parseFleet(FLEET, "stackmon.yml", { env: {}, stateDir: "/state" });

  it("runs on the host with the storage role only, on its address with TLS and the fleet's password", () => {
    const services = (name: string) =>
      renderFleetHost(fleet, name, HOST_TARGET)
        .services.map((s) => s.id)
        .sort();
    assert.ok(!services("mon1").includes("storage") && !services("web1").includes("storage"));
    const store1 = renderFleetHost(fleet, "store1", HOST_TARGET);
    assert.deepEqual(services("store1"), ["node", "storage"]);
    assert.deepEqual(storageService(store1).args.slice(1), [
      "-retentionPeriod=2y",
      "-dedup.minScrapeInterval=15s",
      "-httpListenAddr=10.0.0.9:8428",
      "-tls",
      "-tlsCertFile=/etc/stackmon/tls/storage.crt",
      "-tlsKeyFile=/etc/stackmon/tls/storage.key",
      "-envflag.enable",
      "-httpAuth.username=prometheus",
    ]);
    assert.match(
      fileText(store1, "/etc/stackmon/victoria-metrics/environment"),
      /^httpAuth_password=<secret: storage\.web\.basic_auth\.password_file \(\/state\/hosts\/store1\/scrape\.password\)>$/m,
    );
    const key = store1.files.find((f) => f.path === "/etc/stackmon/tls/storage.key");
    assert.deepEqual([key?.mode, key?.group], [0o640, "_victoria-metrics"]);
  });

  it("makes the server write to it and scrape it at its address, checking its certificate against the fleet's CA", () => {
    const mon1 = renderFleetHost(fleet, "mon1", HOST_TARGET);
    const config = prometheusYml(mon1);
    assert.deepEqual(config.remote_write, [
      {
        url: "https://10.0.0.9:8428/api/v1/write",
        name: "stackmon-storage",
        basic_auth: {
          username: "prometheus",
          password_file: "/etc/prometheus/secrets/hosts/store1.password",
        },
        tls_config: { ca_file: "/etc/prometheus/stackmon-ca.crt", server_name: "store1" },
        write_relabel_configs: [{ action: "labeldrop", regex: "replica" }],
      },
    ]);
    const job = config.scrape_configs.find((j) => j.job_name === "victoriametrics@store1");
    assert.deepEqual([job?.scheme, job?.static_configs[0]?.targets], ["https", ["10.0.0.9:8428"]]);
  });

  it("gives the server's Grafana the storage as default datasource, certificate checked against the fleet's CA", () => {
    const storage = datasources(renderFleetHost(fleet, "mon1", HOST_TARGET)).find(
      (d) => d.uid === "stackmon-storage",
    );
    assert.deepEqual(
      storage && [
        storage.url,
        storage.isDefault,
        storage.basicAuthUser,
        storage.jsonData,
        storage.secureJsonData,
      ],
      [
        "https://10.0.0.9:8428",
        true,
        "prometheus",
        { httpMethod: "POST", timeInterval: "15s", tlsAuthWithCACert: true, serverName: "store1" },
        {
          basicAuthPassword: "$__file{/etc/stackmon/grafana/storage.password}",
          tlsCACert: "$__file{/etc/prometheus/stackmon-ca.crt}",
        },
      ],
    );
  });

  it("refuses storage settings on a host without the storage role, naming the role", () => {
    const text = FLEET.replace(
      "web1: { ssh: deploy@10.0.0.11 }",
      "web1: { ssh: deploy@10.0.0.11, storage: { retention: 1y } }",
    );
    assert.throws(
      () => parseFleet(text, "stackmon.yml", { env: {}, stateDir: "/state" }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /^stackmon\.yml:5:\d+: hosts\.web1\.storage: VictoriaMetrics \(long-term storage\) runs only on hosts with the role storage; web1 has no role/.test(
          error.describe(),
        ),
    );
  });

  it("is off on the storage host when the file says so", () => {
    const text = FLEET.replace("storage: { retention: 2y }", "storage: { enabled: false }");
    const off = parseFleet(text, "stackmon.yml", { env: {}, stateDir: "/state" });
    assert.ok(!renderFleetHost(off, "store1", HOST_TARGET).services.some((s) => s.id === "storage"));
    assert.equal(prometheusYml(renderFleetHost(off, "mon1", HOST_TARGET)).remote_write, undefined);
  });
});

// The inventory: one file, many hosts, each host's own validated config and desired state.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { ConfigError } from "../config/configError.js";
import { maskedText } from "../render/fileContent.js";
import type { DesiredState } from "../render/desiredState.js";
import { HOST_TARGET, parseFleet, parseStackConfig, renderFleetHost, renderStack } from "../stack.js";

const FLEET = `exporters: { node: {} }
hosts:
  mon1: { ssh: admin@10.0.0.5, roles: [server] }
  web1: { ssh: deploy@10.0.0.11, exporters: { pm2: { enabled: true, user: deploy } } }
  db1:
    ssh: root@db1.internal
    address: 10.0.0.12
    labels: { team: db }
    exporters: { mysql: { enabled: true, password_file: /secrets/db1-mysql } }
grafana: { enabled: false }
`;

const load = (text: string) => parseFleet(text, "stackmon.yml", { env: {}, stateDir: "/state" });

function problems(text: string): string[] {
  try {
    load(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.describe().split("\n");
    throw error;
  }
  assert.fail("expected the config to be refused");
}

function file(state: DesiredState, path: string): string {
  const found = state.files.find((f) => f.path === path);
  assert.ok(found, `${path} is rendered`);
  return maskedText(found.content);
}

interface ScrapeConfig {
  job_name: string;
  scheme?: string;
  basic_auth?: { username: string; password_file: string };
  tls_config?: Record<string, unknown>;
  static_configs: { targets: string[]; labels: Record<string, string> }[];
}

function scrapeConfigs(state: DesiredState): Map<string, ScrapeConfig> {
  const config = parse(file(state, "/etc/prometheus/prometheus.yml")) as { scrape_configs: ScrapeConfig[] };
  return new Map(config.scrape_configs.map((c) => [c.job_name, c]));
}

describe("the inventory", () => {
  it("keeps a file without hosts: exactly as it was: one host, this machine, the same render", () => {
    const text =
      "exporters:\n  blackbox:\n    targets: [{url: https://shop.example.com}]\nglobal: {hostname: web1}\n";
    const fleet = load(text);
    assert.equal(fleet.inventory, false);
    assert.deepEqual(
      fleet.hosts.map((h) => [h.name, h.connection.kind]),
      [["web1", "local"]],
    );
    assert.deepEqual(
      renderFleetHost(fleet, "web1", HOST_TARGET),
      renderStack(parseStackConfig(text, "stackmon.yml"), HOST_TARGET),
    );
  });

  it("gives each host the shared defaults with its own settings on top, and its roles' components", () => {
    const fleet = load(FLEET);
    const byName = new Map(fleet.hosts.map((h) => [h.name, h]));
    assert.deepEqual([...byName.keys()], ["db1", "mon1", "web1"]);
    const services = (name: string) =>
      renderFleetHost(fleet, name, HOST_TARGET)
        .services.map((s) => s.id)
        .join(" ");
    assert.equal(services("mon1"), "alertmanager blackbox node prometheus");
    assert.equal(services("web1"), "node pm2");
    assert.equal(services("db1"), "mysql node");
    assert.equal(byName.get("db1")?.address, "10.0.0.12");
    assert.equal(byName.get("web1")?.address, "10.0.0.11", "the address defaults to ssh's host");
    assert.deepEqual(byName.get("web1")?.connection, {
      kind: "ssh",
      destination: { user: "deploy", host: "10.0.0.11" },
      text: "deploy@10.0.0.11",
    });
  });

  it("exposes every host's exporters on its address with TLS and basic auth, and scrapes them by name", () => {
    const fleet = load(FLEET);
    const web1 = renderFleetHost(fleet, "web1", HOST_TARGET);
    const node = web1.services.find((s) => s.id === "node");
    assert.ok(node?.args.includes("--web.listen-address=10.0.0.11:9100"));
    assert.match(
      file(web1, "/etc/stackmon/node-exporter/web-config.yml"),
      /cert_file: \/etc\/stackmon\/tls\/node.crt/,
    );
    const key = web1.files.find((f) => f.path === "/etc/stackmon/tls/node.key");
    assert.deepEqual([key?.mode, key?.owner, key?.group], [0o640, "root", "node-exporter"]);
    assert.ok(
      !web1.files.some((f) => f.path.startsWith("/etc/prometheus")),
      "no Prometheus files on an agent",
    );

    const jobs = scrapeConfigs(renderFleetHost(fleet, "mon1", HOST_TARGET));
    assert.deepEqual(jobs.get("node@web1"), {
      job_name: "node@web1",
      scheme: "https",
      basic_auth: { username: "prometheus", password_file: "/etc/prometheus/secrets/hosts/web1.password" },
      tls_config: { ca_file: "/etc/prometheus/stackmon-ca.crt", server_name: "web1" },
      static_configs: [{ targets: ["10.0.0.11:9100"], labels: { instance: "web1", job: "node" } }],
    });
    assert.deepEqual(jobs.get("mysql@db1")?.static_configs, [
      { targets: ["10.0.0.12:9104"], labels: { instance: "db1", job: "mysql", team: "db" } },
    ]);
    assert.ok(jobs.has("node@mon1"), "the server's own exporters are scraped like the others'");
    assert.ok(jobs.has("prometheus") && !jobs.has("node"), "server components stay on loopback");
  });

  it("exposes one PM2 exporter per user, each with the host's certificate, all restarted when it changes", () => {
    const fleet = load(
      FLEET.replace(
        "exporters: { pm2: { enabled: true, user: deploy } }",
        "exporters: { pm2: { enabled: true, users: [{ user: deploy }, { user: api }] } }",
      ),
    );
    const web1 = renderFleetHost(fleet, "web1", HOST_TARGET);
    const pm2 = web1.services.filter((s) => s.id.startsWith("pm2"));
    assert.deepEqual(
      pm2.map((s) => s.args.find((a) => a.startsWith("--web.listen-address"))),
      ["--web.listen-address=10.0.0.11:9210", "--web.listen-address=10.0.0.11:9209"],
    );
    const key = web1.files.find((f) => f.path === "/etc/stackmon/tls/pm2.key");
    assert.deepEqual(key?.consumers.map((c) => c.service).sort(), ["pm2@api", "pm2@deploy"]);
    assert.match(
      file(web1, "/etc/systemd/system/stackmon-pm2-exporter-api.service"),
      /^LoadCredential=web-tls\.key:\/etc\/stackmon\/tls\/pm2\.key$/m,
    );
    const jobs = scrapeConfigs(renderFleetHost(fleet, "mon1", HOST_TARGET));
    assert.deepEqual(jobs.get("pm2@web1")?.static_configs, [
      { targets: ["10.0.0.11:9209"], labels: { instance: "web1", pm2_user: "deploy", job: "pm2" } },
      { targets: ["10.0.0.11:9210"], labels: { instance: "web1", pm2_user: "api", job: "pm2" } },
    ]);
  });

  it("writes each host's scrape password and the CA where Prometheus reads them, never inline", () => {
    const mon1 = renderFleetHost(load(FLEET), "mon1", HOST_TARGET);
    const password = mon1.files.find((f) => f.path === "/etc/prometheus/secrets/hosts/web1.password");
    assert.deepEqual([password?.mode, password?.group], [0o640, "prometheus"]);
    assert.equal(
      file(mon1, "/etc/prometheus/secrets/hosts/web1.password"),
      "<secret: exporters.pm2.web.basic_auth.password_file (/state/hosts/web1/scrape.password)>",
    );
    assert.equal(file(mon1, "/etc/prometheus/stackmon-ca.crt"), "<secret: the fleet's CA (/state/ca.crt)>");
  });

  it("renders the same bytes every time", () => {
    const once = load(FLEET);
    const twice = load(FLEET);
    for (const host of ["mon1", "web1", "db1"]) {
      assert.deepEqual(renderFleetHost(once, host, HOST_TARGET), renderFleetHost(twice, host, HOST_TARGET));
    }
  });
});

describe("inventory mistakes", () => {
  it("names a server component on a host without the role", () => {
    assert.deepEqual(
      problems(
        "hosts:\n  mon1: {ssh: mon1, roles: [server]}\n  web1:\n    ssh: web1\n    prometheus: {retention: 30d}\n",
      ),
      [
        "stackmon.yml:5:17: hosts.web1.prometheus: Prometheus runs only on hosts with the role server; web1 has no role (add server to hosts.web1.roles, or move these settings to a host that has it)",
      ],
    );
  });

  it("refuses a fleet without a server", () => {
    assert.deepEqual(problems("hosts:\n  web1: {ssh: web1}\n"), [
      "stackmon.yml:2:3: hosts: no host has the role server: nothing would run Prometheus (add roles: [server] to the host that watches the others)",
    ]);
  });

  it("refuses two hosts with one name or one address", () => {
    assert.match(
      problems("hosts:\n  a: {ssh: a, roles: [server]}\n  a: {ssh: b}\n")[0] ?? "",
      /stackmon.yml:3:3: .*[Mm]ap keys must be unique/,
    );
    assert.deepEqual(
      problems("hosts:\n  a: {ssh: 10.0.0.1, roles: [server]}\n  b: {ssh: x, address: 10.0.0.1}\n"),
      [
        "stackmon.yml:3:24: hosts.b.address: 10.0.0.1 is also a's address (give each host the address the others reach it at)",
      ],
    );
  });

  it("places a wrong host setting at the host, and a wrong shared one at the top with its hosts", () => {
    assert.deepEqual(
      problems(
        "exporters:\n  node: {scrape_interval: often}\nhosts:\n  mon1: {ssh: mon1, roles: [server]}\n  web1: {ssh: web1, exporters: {pm2: {enabled: true, user: 7}}}\n",
      ),
      [
        'stackmon.yml:2:27: exporters.node.scrape_interval: must be a Prometheus duration such as "30s", "5m" or "1h30m" (on mon1, web1)',
        "stackmon.yml:5:60: hosts.web1.exporters.pm2.user: Invalid input: expected string, received number",
      ],
    );
  });

  it("refuses unknown and fleet-wide keys under a host, bad names and bad ssh destinations", () => {
    const lines = problems(
      "hosts:\n  mon1: {ssh: mon1, roles: [server], alerting: {}}\n  web1: {ssh: -oProxyCommand=x, exportrs: {}}\n  Web_2: {ssh: w}\n",
    );
    assert.deepEqual(lines, [
      "stackmon.yml:2:38: hosts.mon1.alerting: is the whole fleet's: set it at the top level of the file",
      'stackmon.yml:3:15: hosts.web1.ssh: must be "[user@]host[:port]" or a name from ~/.ssh/config',
      "stackmon.yml:4:3: hosts.Web_2: a host name is lower-case letters, digits and -, at most 63 characters",
    ]);
  });

  it("refuses an exporter kept on loopback where the servers cannot reach it", () => {
    assert.deepEqual(
      problems(
        "hosts:\n  mon1: {ssh: mon1, roles: [server]}\n  web1:\n    ssh: web1\n    exporters: {node: {listen_address: '127.0.0.1:9100'}}\n",
      ),
      [
        "stackmon.yml:5:40: hosts.web1.exporters.node.listen_address: listens on loopback only, so the servers cannot scrape web1's Node exporter (leave listen_address out in a fleet: stackmon listens on the host's address with TLS and basic auth)",
      ],
    );
  });
});

describe("a pair of servers", () => {
  it("refuses Grafana as the engine: each would post every alert and keep its own silences", () => {
    assert.deepEqual(
      problems(
        "alerting:\n  engine: grafana\n  mattermost: {webhook_url_file: /s/mm}\nhosts:\n  mon1: {ssh: mon1, roles: [server]}\n  mon2: {ssh: mon2, roles: [server]}\n",
      ),
      [
        "stackmon.yml:2:11: alerting.engine: grafana cannot be the engine of two servers: each Grafana would post every alert, and silence alone (on mon1, mon2) (leave engine: alertmanager (the default) for a pair: the Alertmanagers form one cluster)",
      ],
    );
  });
});

describe("loopback addresses", () => {
  it("lets the only server keep its own exporters on loopback: it scrapes them itself", () => {
    const fleet = load(
      "hosts:\n  mon1: {ssh: mon1, address: 127.0.0.1, roles: [server]}\n  web1: {ssh: web1}\n",
    );
    const node = renderFleetHost(fleet, "mon1", HOST_TARGET).services.find((s) => s.id === "node");
    assert.ok(node?.args.includes("--web.listen-address=127.0.0.1:9100"));
  });

  it("names a host whose address is loopback once, at the host, when another server must reach it", () => {
    assert.deepEqual(
      problems(
        "exporters: {node: {}, blackbox: {targets: [{url: 'https://example.org'}]}}\nhosts:\n  mon1: {ssh: mon1, roles: [server]}\n  web1: {ssh: web1, address: 127.0.0.2}\n",
      ),
      [
        "stackmon.yml:4:30: hosts.web1.address: is 127.0.0.2, a loopback address: the other servers cannot scrape web1 there (give the address the servers reach this host at (address: 10.0.0.12))",
      ],
    );
  });
});

describe("scrape timeouts", () => {
  it("refuses a timeout longer than the interval, which Prometheus would refuse", () => {
    assert.deepEqual(
      problems(
        "global: {scrape_interval: 5s, scrape_timeout: 10s}\nexporters:\n  node: {scrape_interval: 5s, scrape_timeout: 6s}\n",
      ),
      [
        "stackmon.yml:1:47: global.scrape_timeout: is longer than scrape_interval (5s): Prometheus refuses that",
      ],
    );
    assert.deepEqual(
      problems(
        "global: {scrape_interval: 30s}\nexporters:\n  node: {scrape_interval: 5s, scrape_timeout: 6s}\n",
      ),
      [
        "stackmon.yml:3:47: exporters.node.scrape_timeout: is longer than the job's scrape interval (5s): Prometheus refuses that",
      ],
    );
  });

  it("leaves the timeout to Prometheus when unset, so a short interval needs no timeout", () => {
    const mon1 = renderFleetHost(
      load("global: {scrape_interval: 5s}\n"),
      load("global: {scrape_interval: 5s}\n").hosts[0]?.name ?? "",
      HOST_TARGET,
    );
    assert.doesNotMatch(file(mon1, "/etc/prometheus/prometheus.yml"), /scrape_timeout/);
  });
});

describe("two servers", () => {
  const PAIR = `grafana: { enabled: false }
hosts:
  mon1: { ssh: root@10.0.0.5, roles: [server] }
  mon2: { ssh: root@10.0.0.6, roles: [server] }
  web1: { ssh: root@10.0.0.11 }
`;

  it("scrape everything both, label their samples with their replica and drop it from alerts", () => {
    const fleet = load(PAIR);
    const config = parse(
      file(renderFleetHost(fleet, "mon1", HOST_TARGET), "/etc/prometheus/prometheus.yml"),
    ) as {
      global: { external_labels: Record<string, string> };
      alerting: { alert_relabel_configs: unknown[]; alertmanagers: Record<string, unknown>[] };
      scrape_configs: ScrapeConfig[];
    };
    assert.deepEqual(config.global.external_labels, { replica: "mon1" });
    assert.deepEqual(config.alerting.alert_relabel_configs, [{ action: "labeldrop", regex: "replica" }]);
    assert.deepEqual(config.scrape_configs.map((c) => c.job_name).sort(), [
      "alertmanager@mon1",
      "alertmanager@mon2",
      "blackbox",
      "node@mon1",
      "node@mon2",
      "node@web1",
      "prometheus@mon1",
      "prometheus@mon2",
    ]);
    const mon2 = file(renderFleetHost(fleet, "mon2", HOST_TARGET), "/etc/prometheus/prometheus.yml");
    assert.match(mon2, /job_name: node@web1/, "the other server scrapes web1 too");
    assert.match(mon2, /replica: mon2/);
  });

  it("send every alert to both Alertmanagers, each checked against the CA with its own password", () => {
    const config = parse(
      file(renderFleetHost(load(PAIR), "mon2", HOST_TARGET), "/etc/prometheus/prometheus.yml"),
    ) as {
      alerting: { alertmanagers: Record<string, unknown>[] };
    };
    assert.deepEqual(config.alerting.alertmanagers, [
      {
        scheme: "https",
        basic_auth: { username: "prometheus", password_file: "/etc/prometheus/secrets/hosts/mon2.password" },
        tls_config: { ca_file: "/etc/prometheus/stackmon-ca.crt", server_name: "mon2" },
        static_configs: [{ targets: ["10.0.0.6:9093"] }],
      },
      {
        scheme: "https",
        basic_auth: { username: "prometheus", password_file: "/etc/prometheus/secrets/hosts/mon1.password" },
        tls_config: { ca_file: "/etc/prometheus/stackmon-ca.crt", server_name: "mon1" },
        static_configs: [{ targets: ["10.0.0.5:9093"] }],
      },
    ]);
  });

  it("cluster their Alertmanagers over mutual TLS with the fleet's certificates", () => {
    const mon1 = renderFleetHost(load(PAIR), "mon1", HOST_TARGET);
    const args = mon1.services.find((s) => s.id === "alertmanager")?.args ?? [];
    assert.deepEqual(
      args.filter((a) => a.startsWith("--cluster.") || a.startsWith("--web.listen")),
      [
        "--web.listen-address=10.0.0.5:9093",
        "--cluster.listen-address=10.0.0.5:9094",
        "--cluster.advertise-address=10.0.0.5:9094",
        "--cluster.peer=10.0.0.6:9094",
        "--cluster.tls-config=/etc/alertmanager/cluster-tls.yml",
      ],
    );
    assert.equal(file(mon1, "/etc/stackmon/tls/ca.crt"), "<secret: the fleet's CA (/state/ca.crt)>");
    const key = mon1.files.find((f) => f.path === "/etc/stackmon/tls/alertmanager.key");
    assert.deepEqual([key?.mode, key?.group], [0o640, "alertmanager"]);
  });

  it("leave a single server as it was: no replica, no cluster, its own on loopback", () => {
    const single = renderFleetHost(load(FLEET), "mon1", HOST_TARGET);
    assert.doesNotMatch(file(single, "/etc/prometheus/prometheus.yml"), /replica/);
    const args = single.services.find((s) => s.id === "alertmanager")?.args ?? [];
    assert.ok(
      args.includes("--cluster.listen-address=") && args.includes("--web.listen-address=127.0.0.1:9093"),
    );
  });
});

describe("a host's own certificate", () => {
  it("goes to its exporters, and the servers trust its CA for that host alone", () => {
    const fleet = load(`grafana: { enabled: false }
hosts:
  mon1: { ssh: root@10.0.0.5, roles: [server] }
  web1:
    ssh: root@10.0.0.11
    tls: { cert_file: /pki/web1.crt, key_file: /pki/web1.key, ca_file: /pki/corp-ca.crt }
`);
    const web1 = renderFleetHost(fleet, "web1", HOST_TARGET);
    assert.equal(
      file(web1, "/etc/stackmon/tls/node.crt"),
      "<secret: hosts.web1.tls.cert_file (/pki/web1.crt)>",
    );
    assert.equal(
      file(web1, "/etc/stackmon/tls/node.key"),
      "<secret: hosts.web1.tls.key_file (/pki/web1.key)>",
    );
    const mon1 = renderFleetHost(fleet, "mon1", HOST_TARGET);
    assert.deepEqual(scrapeConfigs(mon1).get("node@web1")?.tls_config, {
      ca_file: "/etc/prometheus/ca-web1.crt",
      server_name: "web1",
    });
    assert.equal(
      file(mon1, "/etc/prometheus/ca-web1.crt"),
      "<secret: hosts.web1.tls.ca_file (/pki/corp-ca.crt)>",
    );
    assert.deepEqual(scrapeConfigs(mon1).get("node@mon1")?.tls_config, {
      ca_file: "/etc/prometheus/stackmon-ca.crt",
      server_name: "mon1",
    });
  });
});

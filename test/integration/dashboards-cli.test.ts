// `stackmon dashboards` as a user meets it: a table of every panel and query, JSON for scripts,
// its help, and a bad config reported like everywhere else.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/stackmon.js";

const CONFIG = `
global: {hostname: web1}
exporters:
  blackbox:
    targets: [{url: "https://shop.example.com", name: shop}]
  mysql: {enabled: true, socket: /run/mysqld/mysqld.sock, password_file: /etc/stackmon/mysql.password}
`;

interface DashboardsJson {
  dashboards: {
    uid: string;
    title: string;
    variables: { name: string; query?: string }[];
    panels: {
      row: string;
      title: string;
      type: string;
      unit?: string;
      emptyWhen?: string;
      queries: { expr: string }[];
    }[];
  }[];
}

describe("stackmon dashboards", () => {
  const dir = tempDir("stackmon-dashboards-cli-");
  after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, "stackmon.yml");
  writeFileSync(config, CONFIG);

  it("prints each dashboard's panels with row, kind, unit and every query", () => {
    const result = runCli(["dashboards", "-c", config]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /^MySQL \/ MariaDB {2}\/d\/stackmon-mysql {2}\d+ panels {2}variables: \$datasource, \$instance$/m,
    );
    assert.match(result.stdout, /^ROW +PANEL +KIND +UNIT +QUERY$/m);
    assert.match(
      result.stdout,
      /^Health +Connections used +stat +percent +100 \* mysql_global_status_threads_connected/m,
    );
    assert.match(result.stdout, /\(empty when this server replicates from no source/);
    assert.match(result.stdout, /^\d+ dashboards, \d+ panels, in Grafana's "stackmon" folder\.$/m);
  });

  it("gives the same as JSON: dashboards, variables, panels and queries", () => {
    const result = runCli(["dashboards", "--json", "-c", config]);
    assert.equal(result.status, 0, result.stderr);
    const { dashboards } = JSON.parse(result.stdout) as DashboardsJson;
    assert.deepEqual(
      dashboards.map((d) => d.uid),
      [
        "stackmon-alertmanager",
        "stackmon-mysql",
        "stackmon-node",
        "stackmon-overview",
        "stackmon-prometheus",
        "stackmon-websites",
      ],
    );
    const websites = dashboards.find((d) => d.uid === "stackmon-websites");
    assert.deepEqual(
      websites?.variables.map((v) => v.name),
      ["datasource", "site"],
    );
    const certificate = websites?.panels.find((p) => p.title === "Certificate expires in");
    assert.equal(certificate?.unit, "d");
    assert.match(
      certificate?.queries[0]?.expr ?? "",
      /probe_ssl_earliest_cert_expiry\{job="blackbox_tls", site=~"\$site"\}/,
    );
    for (const dashboard of dashboards)
      for (const panel of dashboard.panels)
        assert.ok(
          panel.unit !== undefined || panel.type === "alertlist",
          `${dashboard.uid} "${panel.title}" has a unit`,
        );
  });

  it("documents its flags", () => {
    const result = runCli(["dashboards", "--help"]);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^Usage: stackmon dashboards \[-c FILE\] \[--json\]/);
    assert.match(runCli(["--help"]).stdout, /^ {2}dashboards +list the Grafana dashboards/m);
  });

  it("reports a bad config with its position and exits 1", () => {
    const bad = join(dir, "bad.yml");
    writeFileSync(bad, "exporters:\n  mysql: {enabled: yes-please}\n");
    const result = runCli(["dashboards", "-c", bad]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /bad\.yml:2:\d+: exporters\.mysql\.enabled: /);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { components } from "../components/registry.js";
import { parseFleet } from "../stack.js";
import { alertingSettingsOf, resolveAlerts } from "./catalog.js";
import { buildRouteTree } from "./routeTree.js";
import { maintenanceRows, routeRows, whoGetsWhat } from "./routesReport.js";

const FLEET = `hosts:
  mon: { local: true, address: 10.0.0.1, roles: [server] }
  db1: { ssh: root@10.0.0.2, labels: { team: db }, exporters: { mysql: { enabled: true, password_file: /pw } } }
  web1: { ssh: root@10.0.0.4 }
alerting:
  mattermost:
    webhook_url_file: /etc/mm.url
    warning: { channel: ops }
  routes:
    - name: database
      host_labels: { team: db }
      critical: { channel: db-oncall }
    - name: web-disks
      hosts: [web1]
      alerts: [NodeFilesystemAlmostOutOfSpace]
      warning: { channel: web, webhook_url_env: WEB_HOOK }
  maintenance:
    - name: db1-backup
      hosts: [db1]
      weekly: [{ days: [sunday], start: "02:00", end: "04:00" }]
      timezone: Europe/Berlin
`;

const fleet = parseFleet(FLEET, "stackmon.yml", { env: {}, stateDir: "/state" });
const alerting = alertingSettingsOf(fleet.hosts[0]?.config ?? assert.fail("a host"));
const tree = buildRouteTree(alerting, fleet.hosts);

describe("stackmon alerts --routes", () => {
  it("lists the routes in the order they are tried, each severity's destination and windows", () => {
    assert.deepEqual(
      routeRows(tree).map((r) => [r.route, r.severity, r.destination, r.mention, r.mutedBy.join(",")]),
      [
        ["Watchdog", "any", "nobody (stackmon verify checks it)", "", ""],
        ["database", "critical", "#db-oncall", "@channel", "db1-backup"],
        ["web-disks", "warning", "#web (its own webhook)", "", ""],
        ["catch-all", "critical", "the webhook's channel", "@channel", ""],
        ["catch-all", "warning", "#ops", "", "db1-backup"],
        ["catch-all", "info", "nobody", "", ""],
      ],
    );
    assert.equal(routeRows(tree)[1]?.selects, "host db1");
  });

  it("routes every host's own alerts through the tree, a host route not taking probe alerts", () => {
    const rows = whoGetsWhat(
      tree,
      fleet.hosts.map((h) => ({
        host: h.name,
        alerts: resolveAlerts(components, h.config).filter((a) => a.enabled),
      })),
    );
    const row = (host: string, component: string) =>
      rows.find((r) => r.host === host && r.component === component);
    assert.deepEqual(row("db1", "mysql")?.destinations, {
      critical: "#db-oncall",
      warning: "#ops",
      info: "nobody",
    });
    assert.deepEqual(row("db1", "mysql")?.mutedBy, ["db1-backup"]);
    assert.equal(row("web1", "node")?.destinations.warning, "#ops, #web (its own webhook)");
    assert.equal(row("mon", "node")?.destinations.critical, "the webhook's channel");
    assert.ok(row("(probed sites)", "blackbox"), "probe alerts are the sites'");
    assert.equal(row("db1", "blackbox"), undefined);
  });

  it("lists each maintenance window with what it mutes and when", () => {
    assert.deepEqual(maintenanceRows(alerting, fleet.hosts), [
      { name: "db1-backup", mutes: "host db1", when: "sunday 02:00–04:00 (Europe/Berlin)" },
    ]);
  });
});

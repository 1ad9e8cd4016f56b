// Routing by owner and maintenance windows as one tree: who gets which alert, and which windows
// mute it there. The same tree is checked against amtool in test/integration/routing.test.ts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { problemsOf } from "../../test/helpers/configProblems.js";
import { maskedText } from "../render/fileContent.js";
import { HOST_TARGET, parseFleet, renderFleetHost } from "../stack.js";
import { alertingSettingsOf } from "./catalog.js";
import { buildRouteTree, routeAlert, type RouteNode, type RouteTree } from "./routeTree.js";

const INVENTORY = `hosts:
  mon: { local: true, address: 10.0.0.1, roles: [server] }
  db1: { ssh: root@10.0.0.2, labels: { team: db } }
  db2: { ssh: root@10.0.0.3, labels: { team: db } }
  web1: { ssh: root@10.0.0.4, labels: { team: web } }
`;

const ALERTING = `alerting:
  mattermost:
    webhook_url_file: /etc/mm.url
    critical: { channel: ops }
    warning: { channel: ops }
`;

const load = (text: string) => parseFleet(text, "stackmon.yml", { env: {}, stateDir: "/state" });

function treeOf(text: string): RouteTree {
  const fleet = load(text);
  const [first] = fleet.hosts;
  assert.ok(first);
  return buildRouteTree(alertingSettingsOf(first.config), fleet.hosts);
}

/** "channel (receiver)" of where the alert goes, or "nowhere"; and its muting windows. */
function destination(tree: RouteTree, labels: Record<string, string>): string {
  const routed = routeAlert(tree, labels);
  const where =
    routed.receiver.kind === "nowhere"
      ? "nowhere"
      : `#${routed.receiver.route.channel ?? "(hook)"} ${routed.receiver.route.owner ?? "catch-all"}`;
  return routed.muteTimeIntervals.length > 0
    ? `${where} muted by ${routed.muteTimeIntervals.join("+")}`
    : where;
}

const problems = (text: string) => problemsOf(() => load(text));

const DB_ROUTE = `  routes:
    - name: database
      host_labels: { team: db }
      critical: { channel: db-oncall }
      warning: { channel: db-oncall }
`;

describe("routing by owner", () => {
  const tree = treeOf(`${INVENTORY}${ALERTING}${DB_ROUTE}`);

  it("sends a db host's alerts to the database channel, by severity", () => {
    assert.equal(
      destination(tree, { alertname: "NodeDown", instance: "db1", severity: "critical" }),
      "#db-oncall database",
    );
    assert.equal(
      destination(tree, { alertname: "X", instance: "db2", severity: "warning" }),
      "#db-oncall database",
    );
  });

  it("sends everything else to the catch-all, so nothing is lost", () => {
    assert.equal(
      destination(tree, { alertname: "X", instance: "web1", severity: "critical" }),
      "#ops catch-all",
    );
    assert.equal(
      destination(tree, { alertname: "X", instance: "mon", severity: "warning" }),
      "#ops catch-all",
    );
    assert.equal(
      destination(tree, { alertname: "X", severity: "warning" }),
      "#ops catch-all",
      "no instance label",
    );
  });

  it("leaves a severity the owner does not take to the catch-all", () => {
    const infoTree = treeOf(`${INVENTORY}${ALERTING}    info: { channel: ops-info }\n${DB_ROUTE}`);
    assert.equal(
      destination(infoTree, { alertname: "X", instance: "db1", severity: "info" }),
      "#ops-info catch-all",
    );
  });

  it("keeps the Watchdog out of chat even on an owner's host", () => {
    assert.equal(destination(tree, { alertname: "Watchdog", instance: "db1", severity: "none" }), "nowhere");
  });

  it("takes the first route that selects an alert, in the order written", () => {
    const ordered = treeOf(`${INVENTORY}${ALERTING}  routes:
    - name: mysql
      components: [mysql]
      critical: { channel: dba }
    - name: database
      host_labels: { team: db }
      critical: { channel: db-oncall }
`);
    assert.equal(
      destination(ordered, {
        alertname: "MysqlDown",
        component: "mysql",
        instance: "db1",
        severity: "critical",
      }),
      "#dba mysql",
    );
    assert.equal(
      destination(ordered, {
        alertname: "NodeDown",
        component: "node",
        instance: "db1",
        severity: "critical",
      }),
      "#db-oncall database",
    );
    assert.equal(
      destination(ordered, {
        alertname: "MysqlDown",
        component: "mysql",
        instance: "web1",
        severity: "critical",
      }),
      "#dba mysql",
    );
  });

  it("combines the keys of one route: all must match", () => {
    const combined = treeOf(`${INVENTORY}${ALERTING}  routes:
    - name: web-node
      hosts: [web1]
      alerts: [NodeFilesystemAlmostOutOfSpace]
      matchers: ["mountpoint=~/var.*"]
      warning: { channel: web }
`);
    const labels = { alertname: "NodeFilesystemAlmostOutOfSpace", instance: "web1", severity: "warning" };
    assert.equal(destination(combined, { ...labels, mountpoint: "/var/lib" }), "#web web-node");
    assert.equal(destination(combined, { ...labels, mountpoint: "/" }), "#ops catch-all");
    assert.equal(destination(combined, { ...labels, instance: "db1", mountpoint: "/var" }), "#ops catch-all");
  });

  it("delivers nothing from Alertmanager when Grafana is the engine", () => {
    const fleet = load(`${INVENTORY}${ALERTING}${DB_ROUTE}`);
    const [first] = fleet.hosts;
    assert.ok(first);
    const idle = buildRouteTree(alertingSettingsOf(first.config), fleet.hosts, false);
    assert.equal(destination(idle, { alertname: "X", instance: "db1", severity: "critical" }), "nowhere");
  });
});

const WINDOWS = `  maintenance:
    - name: db1-backup
      hosts: [db1]
      weekly: [{ days: [sunday], start: "02:00", end: "04:00" }]
      timezone: Europe/Berlin
    - name: db-patching
      host_labels: { team: db }
      components: [mysql]
      weekly: [{ days: [saturday], start: "23:00", end: "01:00" }]
      timezone: UTC
    - name: web-deploys
      hosts: [web1]
      weekly: [{ start: "12:00", end: "12:30" }]
      timezone: UTC
`;

describe("maintenance windows", () => {
  const tree = treeOf(`${INVENTORY}${ALERTING}${DB_ROUTE}${WINDOWS}`);

  it("mutes only what a window selects, on the route that delivers it", () => {
    assert.equal(
      destination(tree, { alertname: "NodeDown", component: "node", instance: "db1", severity: "critical" }),
      "#db-oncall database muted by db1-backup",
    );
    assert.equal(
      destination(tree, { alertname: "NodeDown", component: "node", instance: "db2", severity: "critical" }),
      "#db-oncall database",
    );
    assert.equal(
      destination(tree, { alertname: "NodeDown", component: "node", instance: "web1", severity: "warning" }),
      "#ops catch-all muted by web-deploys",
    );
  });

  it("mutes an alert in two windows by both", () => {
    assert.equal(
      destination(tree, {
        alertname: "MysqlDown",
        component: "mysql",
        instance: "db1",
        severity: "critical",
      }),
      "#db-oncall database muted by db1-backup+db-patching",
    );
    assert.equal(
      destination(tree, {
        alertname: "MysqlDown",
        component: "mysql",
        instance: "db2",
        severity: "critical",
      }),
      "#db-oncall database muted by db-patching",
    );
  });

  it("never combines windows of different hosts", () => {
    const combinations = (node?: RouteNode) =>
      (node?.routes ?? []).map((r) => (r.muteTimeIntervals ?? []).join("+")).sort();
    const database = tree.routes.find((r) => r.name === "database");
    assert.deepEqual(combinations(database?.routes[0]), [
      "db-patching",
      "db1-backup",
      "db1-backup+db-patching",
    ]);
  });

  it("leaves out of the catch-all the windows an owner route takes entirely", () => {
    const catchAll = tree.routes.find((r) => r.name === "catch-all");
    assert.deepEqual(
      (catchAll?.routes ?? []).map((r) => r.muteTimeIntervals),
      [["web-deploys"]],
    );
  });

  it("renders the windows as time intervals, a night split at midnight", () => {
    const state = renderFleetHost(load(`${INVENTORY}${ALERTING}${DB_ROUTE}${WINDOWS}`), "mon", HOST_TARGET);
    const file = state.files.find((f) => f.path === "/etc/alertmanager/alertmanager.yml");
    assert.ok(file);
    const config = parse(maskedText(file.content)) as { time_intervals: unknown[] };
    assert.deepEqual(config.time_intervals, [
      {
        name: "db1-backup",
        time_intervals: [
          {
            times: [{ start_time: "02:00", end_time: "04:00" }],
            weekdays: ["sunday"],
            location: "Europe/Berlin",
          },
        ],
      },
      {
        name: "db-patching",
        time_intervals: [
          { times: [{ start_time: "23:00", end_time: "24:00" }], weekdays: ["saturday"], location: "UTC" },
          { times: [{ start_time: "00:00", end_time: "01:00" }], weekdays: ["sunday"], location: "UTC" },
        ],
      },
      {
        name: "web-deploys",
        time_intervals: [{ times: [{ start_time: "12:00", end_time: "12:30" }], location: "UTC" }],
      },
    ]);
  });

  it("refuses windows that would need too many combinations", () => {
    const many = Array.from(
      { length: 7 },
      (_, i) =>
        `    - name: w${i}\n      host_labels: { team: db }\n      weekly: [{ start: "0${i}:00", end: "0${i}:30" }]\n      timezone: UTC\n`,
    ).join("");
    const [problem] = problems(`${INVENTORY}${ALERTING}  maintenance:\n${many}`);
    assert.match(
      problem ?? "",
      /^stackmon\.yml:\d+:\d+: alerting\.maintenance: more than 64 combinations of windows/,
    );
  });
});

describe("routing references", () => {
  it("refuses an unknown host, label value, component and alert, each at its position", () => {
    const found = problems(`${INVENTORY}${ALERTING}  routes:
    - name: database
      hosts: [db3]
      host_labels: { team: dba }
      components: [mariadb]
      alerts: [MysqlDwn]
      critical: { channel: db }
`);
    assert.equal(found.length, 4);
    assert.equal(
      found[0],
      "stackmon.yml:13:15: alerting.routes[0].hosts[0]: no host db3 in the inventory (hosts: db1, db2, mon, web1)",
    );
    assert.equal(
      found[1],
      "stackmon.yml:14:28: alerting.routes[0].host_labels.team: no host has team=dba (team is db, web)",
    );
    assert.match(
      found[2] ?? "",
      /^stackmon\.yml:15:20: alerting\.routes\[0\]\.components\[0\]: no component mariadb \(components: alertmanager, blackbox, .*mysql, node/,
    );
    assert.equal(
      found[3],
      'stackmon.yml:16:16: alerting.routes[0].alerts[0]: no alert MysqlDwn (see "stackmon alerts" for every alert name)',
    );
  });

  it("refuses a label no host has, and hosts outside the group", () => {
    assert.match(
      problems(`${INVENTORY}${ALERTING}  maintenance:
    - name: w
      host_labels: { rack: r1 }
      weekly: [{ start: "01:00", end: "02:00" }]
      timezone: UTC
`)[0] ?? "",
      /alerting\.maintenance\[0\]\.host_labels\.rack: no host has the label rack/,
    );
    assert.match(
      problems(`${INVENTORY}${ALERTING}  routes:
    - name: r
      hosts: [web1]
      host_labels: { team: db }
      warning: {}
`)[0] ?? "",
      /alerting\.routes\[0\]\.host_labels: none of the hosts listed has these labels/,
    );
  });

  it("refuses a destination without a webhook", () => {
    const [problem] = problems(`${INVENTORY}alerting:
  routes:
    - name: database
      host_labels: { team: db }
      critical: { channel: db }
`);
    assert.match(problem ?? "", /^stackmon\.yml:10:17: alerting\.routes\[0\]\.critical: has no webhook/);
  });

  it("refuses a route that an earlier one always takes first", () => {
    const [problem] = problems(`${INVENTORY}${ALERTING}  routes:
    - name: everything-db
      host_labels: { team: db }
      critical: { channel: db }
    - name: mysql-on-db
      host_labels: { team: db }
      components: [mysql]
      critical: { channel: dba }
`);
    assert.match(
      problem ?? "",
      /alerting\.routes\[1\]\.name: never takes an alert: the route everything-db before it takes all of them/,
    );
  });

  it("refuses a route named like the catch-all", () => {
    const [problem] = problems(`${INVENTORY}${ALERTING}  routes:
    - { name: mattermost, hosts: [db1], critical: { channel: db } }
`);
    assert.match(problem ?? "", /alerting\.routes\[0\]\.name: "mattermost" is the catch-all's name/);
  });

  it("refuses a route that selects nothing", () => {
    const found = problems(`${INVENTORY}${ALERTING}  routes:
    - name: empty
      critical: { channel: x }
`);
    assert.match(found[0] ?? "", /alerting\.routes\[0\]\.name: say whose alerts these are/);
  });

  it("refuses two windows with one name", () => {
    const found = problems(`${INVENTORY}${ALERTING}  maintenance:
    - { name: w, hosts: [db1], weekly: [{ start: "01:00", end: "02:00" }], timezone: UTC }
    - { name: w, hosts: [db2], weekly: [{ start: "01:00", end: "02:00" }], timezone: UTC }
`);
    assert.deepEqual(found, [
      'stackmon.yml:13:15: alerting.maintenance[1].name: "w" is the name of an earlier entry',
    ]);
  });

  it("names this machine when there is no inventory", () => {
    const found = problems(`global: { hostname: web1 }
${ALERTING}  maintenance:
    - { name: w, hosts: [db1], weekly: [{ start: "01:00", end: "02:00" }], timezone: UTC }
`);
    assert.match(found[0] ?? "", /no host db1: without an inventory, this machine \(web1\) is the only host/);
  });
});

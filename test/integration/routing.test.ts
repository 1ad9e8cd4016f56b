// Routing by owner and maintenance windows as the real Alertmanager reads them: amtool checks the
// rendered alertmanager.yml and tells, for each alert, which receiver takes it; that must be what
// stackmon says (`stackmon alerts --routes` is built on the same evaluation). Grafana's policy
// tree is checked the same way: Grafana turns each notification policy into an Alertmanager route,
// object matchers into matchers (grafana/grafana pkg/services/ngalert/api/tooling/definitions/
// alertmanager.go, Route.AsAMRoute), and its mute timings are Alertmanager time intervals.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { alertingSettingsOf } from "../../src/alerting/catalog.js";
import { renderGrafanaAlerting } from "../../src/alerting/grafanaAlerting.js";
import { buildRouteTree, routeAlert } from "../../src/alerting/routeTree.js";
import { receiverName } from "../../src/alerting/mattermost.js";
import { maskedText } from "../../src/render/fileContent.js";
import { HOST_TARGET, parseFleet, renderFleetHost } from "../../src/stack.js";
import { asGrafanaReadsIt } from "../helpers/grafanaProvisioning.js";
import { runCli, tempDir } from "../helpers/stackmon.js";

const FLEET = `hosts:
  mon: { local: true, address: 10.0.0.1, roles: [server] }
  db1: { ssh: root@10.0.0.2, labels: { team: db } }
  db2: { ssh: root@10.0.0.3, labels: { team: db } }
  web1: { ssh: root@10.0.0.4, labels: { team: web } }
alerting:
  mattermost:
    webhook_url_file: /etc/stackmon/mattermost.url
    critical: { channel: ops }
    warning: { channel: ops }
    info: { channel: ops-info }
  routes:
    - name: mysql
      components: [mysql]
      matchers: ['alertname=~"Mysql.*"']
      critical: { channel: dba }
    - name: database
      host_labels: { team: db }
      critical: { channel: db-oncall, mention: "@db-team" }
      warning: { channel: db-oncall }
    - name: web
      hosts: [web1]
      warning: { channel: web, webhook_url_env: WEB_HOOK }
  maintenance:
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
      matchers: ["severity!=critical"]
      weekly: [{ start: "12:00", end: "12:30" }]
      timezone: America/New_York
`;

/** Label sets that cross every route and window boundary of FLEET. */
const ALERTS: Record<string, string>[] = [];
for (const instance of ["db1", "db2", "web1", "mon", ""]) {
  for (const [alertname, component] of [
    ["MysqlDown", "mysql"],
    ["MysqlTooManyConnections", "mysql"],
    ["NodeDown", "node"],
    ["TargetDown", "prometheus"],
    ["Watchdog", "prometheus"],
  ] as const) {
    for (const severity of ["critical", "warning", "info"]) {
      ALERTS.push({ alertname, component, severity, ...(instance ? { instance } : {}) });
    }
  }
}

const labelArgs = (labels: Record<string, string>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`);

function amtool(args: readonly string[]): string {
  const result = spawnSync("amtool", args, { encoding: "utf8" });
  assert.equal(result.status, 0, `amtool ${args.join(" ")}: ${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** The receiver amtool says the config's routing tree picks for each alert. */
function amtoolReceivers(configFile: string, alerts: readonly Record<string, string>[]): string[] {
  return alerts.map((labels) =>
    amtool(["config", "routes", "test", `--config.file=${configFile}`, ...labelArgs(labels)]).trim(),
  );
}

describe("the route tree in the real Alertmanager", () => {
  const dir = tempDir("stackmon-routing-");
  after(() => rmSync(dir, { recursive: true, force: true }));
  const fleet = parseFleet(FLEET, "stackmon.yml", {
    env: { WEB_HOOK: "unused" },
    stateDir: join(dir, "state"),
  });
  const alerting = alertingSettingsOf(fleet.hosts[0]?.config ?? assert.fail("hosts"));
  const tree = buildRouteTree(alerting, fleet.hosts);
  const expected = ALERTS.map((labels) => {
    const receiver = routeAlert(tree, labels).receiver;
    return receiver.kind === "nowhere" ? "nowhere" : receiverName(receiver.route);
  });
  const state = renderFleetHost(fleet, "mon", HOST_TARGET);
  const text = (path: string) => {
    const file = state.files.find((f) => f.path === path);
    assert.ok(file, `${path} is rendered`);
    return maskedText(file.content);
  };

  /** A file amtool can check: the rendered one, its templates and webhook files beside it. */
  function alertmanagerConfigFile(document: Record<string, unknown>, name: string): string {
    const base = join(dir, name);
    mkdirSync(base, { recursive: true });
    writeFileSync(join(base, "stackmon.tmpl"), text("/etc/alertmanager/templates/stackmon.tmpl"));
    const receivers = (
      document["receivers"] as { name: string; slack_configs?: Record<string, unknown>[] }[]
    ).map((r) => ({
      ...r,
      ...(r.slack_configs
        ? { slack_configs: r.slack_configs.map((c) => ({ ...c, api_url_file: join(base, "hook.url") })) }
        : {}),
    }));
    writeFileSync(join(base, "hook.url"), "http://127.0.0.1:1/hooks/x\n");
    const file = join(base, "alertmanager.yml");
    writeFileSync(file, stringify({ ...document, templates: [join(base, "stackmon.tmpl")], receivers }));
    amtool(["check-config", file]);
    return file;
  }

  it("is valid for amtool, windows and all", () => {
    const config = parse(text("/etc/alertmanager/alertmanager.yml")) as Record<string, unknown>;
    assert.deepEqual(
      (config["time_intervals"] as { name: string }[]).map((t) => t.name),
      ["db1-backup", "db-patching", "web-deploys"],
    );
    alertmanagerConfigFile(config, "alertmanager");
  });

  it("sends every alert where stackmon says it goes", () => {
    const config = parse(text("/etc/alertmanager/alertmanager.yml")) as Record<string, unknown>;
    const file = alertmanagerConfigFile(config, "alertmanager");
    assert.deepEqual(amtoolReceivers(file, ALERTS), expected);
    // The owners take what they own, and the rest reaches the catch-all.
    const where = (labels: Record<string, string>) =>
      expected[ALERTS.findIndex((a) => labelArgs(a).join() === labelArgs(labels).join())];
    assert.equal(
      where({ alertname: "MysqlDown", component: "mysql", severity: "critical", instance: "web1" }),
      "mattermost-mysql-critical",
    );
    assert.equal(
      where({ alertname: "MysqlDown", component: "mysql", severity: "warning", instance: "db1" }),
      "mattermost-database-warning",
    );
    assert.equal(
      where({ alertname: "NodeDown", component: "node", severity: "info", instance: "db1" }),
      "mattermost-info",
    );
    assert.equal(
      where({ alertname: "NodeDown", component: "node", severity: "critical", instance: "web1" }),
      "mattermost-critical",
    );
    assert.equal(
      where({ alertname: "Watchdog", component: "prometheus", severity: "critical", instance: "db1" }),
      "nowhere",
    );
  });

  it("routes Grafana's notification policies the same way, with its mute timings as time intervals", () => {
    // Rendered from the fleet's routing directly: Grafana runs on the server, its file is the same.
    const grafana = asGrafanaReadsIt(
      parse(
        renderGrafanaAlerting({
          alerting: { ...alerting, engine: "grafana" },
          alerts: [],
          hosts: fleet.hosts,
          prometheusUid: "prometheus",
          folderUid: "stackmon",
          evaluationInterval: "1m",
        }),
      ) as {
        policies: Record<string, unknown>[];
        contactPoints: { name: string }[];
        muteTimes: { name: string; time_intervals: unknown[] }[];
      },
    );
    const [policy] = grafana.policies;
    assert.ok(policy);
    const asAmRoute = (route: Record<string, unknown>): Record<string, unknown> => {
      const { object_matchers: objectMatchers, routes, orgId: _org, ...rest } = route;
      return {
        ...rest,
        ...(objectMatchers
          ? {
              matchers: (objectMatchers as [string, string, string][]).map(
                ([label, op, value]) => `${label}${op}${JSON.stringify(value)}`,
              ),
            }
          : {}),
        ...(routes ? { routes: (routes as Record<string, unknown>[]).map(asAmRoute) } : {}),
      };
    };
    const file = alertmanagerConfigFile(
      {
        route: asAmRoute(policy),
        receivers: grafana.contactPoints.map((c) => ({ name: c.name })),
        time_intervals: grafana.muteTimes.map((m) => ({ name: m.name, time_intervals: m.time_intervals })),
      },
      "grafana",
    );
    const muted = "mattermost-critical"; // Grafana's stand-in for "nowhere": the first contact point, muted always
    const grafanaExpected = expected.map((receiver) => (receiver === "nowhere" ? muted : receiver));
    assert.deepEqual(amtoolReceivers(file, ALERTS), grafanaExpected);
  });

  it("prints who gets what with stackmon alerts --routes", () => {
    writeFileSync(join(dir, "stackmon.yml"), FLEET);
    const result = runCli(
      ["alerts", "--routes", "-c", join(dir, "stackmon.yml"), "--state", join(dir, "state")],
      {
        env: { ...process.env, WEB_HOOK: "unused" },
      },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /^mysql\s+component mysql; alertname=~Mysql\.\*\s+critical\s+#dba\s+@channel\s+db1-backup, db-patching$/m,
    );
    assert.match(
      result.stdout,
      /^database\s+hosts db1, db2\s+critical\s+#db-oncall\s+@db-team\s+db1-backup, db-patching$/m,
    );
    assert.match(result.stdout, /^web\s+host web1\s+warning\s+#web \(its own webhook\)\s+web-deploys$/m);
    assert.match(result.stdout, /^\s+info\s+#ops-info\s+db1-backup, db-patching, web-deploys$/m);
    assert.match(result.stdout, /^catch-all\s+everything else\s+critical\s+#ops\s*$/m);
    assert.match(result.stdout, /^db1\s+node\s+#db-oncall\s+#db-oncall\s+-\s+db1-backup$/m);
  });

  it("lists the maintenance windows with stackmon alerts", () => {
    const result = runCli(["alerts", "-c", join(dir, "stackmon.yml")], {
      env: { ...process.env, WEB_HOOK: "unused" },
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^MAINTENANCE\s+MUTES\s+WHEN$/m);
    assert.match(result.stdout, /^db1-backup\s+host db1\s+sunday 02:00–04:00 \(Europe\/Berlin\)$/m);
    assert.match(
      result.stdout,
      /^db-patching\s+hosts db1, db2; component mysql\s+saturday 23:00–01:00 \(next day\) \(UTC\)$/m,
    );
  });
});

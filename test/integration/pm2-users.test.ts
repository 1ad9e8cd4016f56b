// Several PM2 daemons on one host, one per Unix user, under `stackmon up`: an app of the same
// name under both stays two series told apart by pm2_user, and a daemon that goes down is named
// by its user in Pm2DaemonDown while the other user's keeps answering. Real daemons: root's, and
// one run as a system user this test creates.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chownSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { inventoryOf } from "../../src/dashboards/inventory.js";
import { interpolate } from "../../src/dashboards/promql.js";
import { stackDashboards } from "../../src/dashboards/stackDashboards.js";
import { PrometheusClient } from "../../src/lib/prometheusClient.js";
import { parseStackConfig } from "../../src/stack.js";
import { eventually } from "../helpers/eventually.js";
import { HTTP_APP, startPm2, type TestPm2 } from "../helpers/pm2.js";
import { freePorts } from "../helpers/ports.js";
import { REPO_ROOT, startUp, tempDir, type UpProcess } from "../helpers/stackmon.js";

const OTHER_USER = "stackmon-pm2-it";
const PM2 = join(REPO_ROOT, "node_modules", ".bin", "pm2");

/** A system user of its own and a PM2 daemon running as that user. */
function otherUsersPm2(): { home: string; run(args: readonly string[]): void; stop(): void } {
  if (spawnSync("id", ["-u", OTHER_USER]).status !== 0) {
    const made = spawnSync("useradd", [
      "--system",
      "--no-create-home",
      "--shell",
      "/usr/sbin/nologin",
      OTHER_USER,
    ]);
    if (made.status !== 0) throw new Error(`useradd failed: ${String(made.stderr)}`);
  }
  const uid = Number(spawnSync("id", ["-u", OTHER_USER], { encoding: "utf8" }).stdout.trim());
  const gid = Number(spawnSync("id", ["-g", OTHER_USER], { encoding: "utf8" }).stdout.trim());
  const dir = tempDir("stackmon-pm2-user-");
  const home = join(dir, "home");
  mkdirSync(home);
  writeFileSync(join(dir, "http.js"), HTTP_APP);
  for (const path of [dir, home, join(dir, "http.js")]) chownSync(path, uid, gid);
  const run = (args: readonly string[]) => {
    const result = spawnSync(
      "runuser",
      ["-u", OTHER_USER, "--", "env", `PM2_HOME=${home}`, `HOME=${dir}`, PM2, ...args],
      { encoding: "utf8", timeout: 60_000, cwd: dir },
    );
    if (result.status !== 0) throw new Error(`pm2 ${args.join(" ")} as ${OTHER_USER}: ${result.stderr}`);
  };
  run(["start", join(dir, "http.js"), "--name", "shop"]);
  // This user's shop restarts once, root's never: the restart counts tell which daemon each
  // series came from.
  run(["restart", "shop"]);
  return {
    home,
    run,
    stop: () => {
      spawnSync("runuser", ["-u", OTHER_USER, "--", "env", `PM2_HOME=${home}`, PM2, "kill"], {
        timeout: 30_000,
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface FiringAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
}

describe("stackmon up watching two users' PM2 daemons", () => {
  let rootPm2: TestPm2;
  let other: ReturnType<typeof otherUsersPm2>;
  let up: UpProcess;
  let prometheus: PrometheusClient;
  let prometheusUrl: string;
  let configText: string;

  before(async () => {
    rootPm2 = startPm2();
    rootPm2.run(["start", rootPm2.app("http", HTTP_APP), "--name", "shop"]);
    other = otherUsersPm2();
    const [prom, am, node, blackbox, pm2Port] = await freePorts(5);
    prometheusUrl = `http://127.0.0.1:${prom}`;
    configText = `
global: {hostname: it-host, scrape_interval: 1s, evaluation_interval: 1s}
prometheus: {listen_address: "127.0.0.1:${prom}"}
alertmanager: {listen_address: "127.0.0.1:${am}"}
exporters:
  node: {listen_address: "127.0.0.1:${node}"}
  blackbox: {listen_address: "127.0.0.1:${blackbox}"}
  pm2:
    enabled: true
    listen_address: "127.0.0.1:${pm2Port}"
    users:
      - {user: root, pm2_home: "${rootPm2.home}"}
      - {user: ${OTHER_USER}, pm2_home: "${other.home}"}
alerting:
  rules:
    Pm2DaemonDown: {for: 0s}
`;
    up = await startUp(configText);
    prometheus = new PrometheusClient(prometheusUrl);
  });
  after(async () => {
    await up?.stop();
    rootPm2?.stop();
    other?.stop();
  });

  it("keeps two apps of the same name apart by their PM2 user", async () => {
    const shops = await eventually("both shops online", async () => {
      const s = await prometheus.query('pm2_process_status{job="pm2",name="shop",status="online"} == 1');
      return s.length === 2 ? s : undefined;
    });
    assert.deepEqual(shops.map((s) => s.metric["pm2_user"]).sort(), ["root", OTHER_USER]);
    assert.ok(shops.every((s) => s.metric["instance"] === "it-host" && s.metric["pm_id"] === "0"));
    const restarts = await prometheus.query('pm2_process_restarts_total{job="pm2",name="shop"}');
    assert.deepEqual(restarts.map((s) => [s.metric["pm2_user"], s.value]).sort(), [
      ["root", 0],
      [OTHER_USER, 1],
    ]);
  });

  it("lists both shops in the dashboard's process table, and one user's alone when chosen", async () => {
    const spec = stackDashboards(parseStackConfig(configText, "stackmon.yml", {}), {
      root: "",
      platform: "supervisor",
    }).find((d) => d.uid === "stackmon-pm2");
    assert.ok(spec, "the PM2 dashboard is rendered");
    const table = inventoryOf(spec).panels.find((p) => p.title === "Processes")?.queries[0]?.expr ?? "";
    const users = async (pm2User: readonly string[]) => {
      const rows = await prometheus.query(
        interpolate(table, { instance: ["it-host"], pm2_user: pm2User, app: ["shop"] }),
      );
      return rows.map((row) => row.metric["pm2_user"]).sort();
    };
    assert.deepEqual(await users(["root", OTHER_USER]), ["root", OTHER_USER]);
    assert.deepEqual(await users([OTHER_USER]), [OTHER_USER]);
  });

  it("names the user whose daemon is down, and only that one", async () => {
    other.run(["kill"]);
    const alert = await eventually("Pm2DaemonDown firing", async () => {
      const response = await fetch(`${prometheusUrl}/api/v1/alerts`);
      const body = (await response.json()) as { data: { alerts: FiringAlert[] } };
      const down = body.data.alerts.filter(
        (a) => a.labels["alertname"] === "Pm2DaemonDown" && a.state === "firing",
      );
      return down.length > 0 ? down : undefined;
    });
    assert.equal(alert.length, 1, "root's daemon still answers");
    assert.equal(alert[0]?.labels["pm2_user"], OTHER_USER);
    assert.equal(
      alert[0]?.annotations["summary"],
      `the PM2 daemon of ${OTHER_USER} at it-host does not answer`,
    );
    assert.match(alert[0]?.annotations["description"] ?? "", new RegExp(`As ${OTHER_USER}, run \`pm2 ls\``));
    const up = await prometheus.query('pm2_daemon_up{job="pm2"}');
    assert.deepEqual(up.map((s) => [s.metric["pm2_user"], s.value]).sort(), [
      ["root", 1],
      [OTHER_USER, 0],
    ]);
  });
});

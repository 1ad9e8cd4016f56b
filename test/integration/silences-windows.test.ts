// Silences, maintenance windows and routing by owner through the real Alertmanager (Debian's
// 0.25) run by `stackmon up`, delivering to a Mattermost test server with two channels. Alerts
// are posted to Alertmanager as Prometheus posts them, and one fires for real (a stopped node
// exporter). A muted alert is one Mattermost never receives a request for.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { UserError } from "../../src/config/configError.js";
import { httpGet } from "../../src/verify/httpProbe.js";
import { silenceApi } from "../../src/silence/silenceApi.js";
import { eventually, sleep } from "../helpers/eventually.js";
import { startGrafanaAlertmanager } from "../helpers/grafanaAlertmanager.js";
import { startMattermost, type Post, type TestMattermost } from "../helpers/mattermost.js";
import { freePorts } from "../helpers/ports.js";
import { pidOf, runCliAsync, startUp, tempDir, type UpProcess } from "../helpers/stackmon.js";

const HOST = "e2e-ops";
/** A zone far from UTC and without daylight saving: a window read in UTC would be 5.5 h off. */
const ZONE = "Asia/Kolkata";
/** Several group intervals (2 s): long enough for Alertmanager to have sent what it would send. */
const QUIET_MS = 8_000;

/** Weekday and "HH:MM" of a moment in a time zone. */
function zoned(date: Date): { day: string; clock: string } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: ZONE,
    weekday: "long",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(date);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return { day: part("weekday").toLowerCase(), clock: `${part("hour")}:${part("minute")}` };
}

/** A weekly window from `start` to `end` (whole minutes), in ZONE, as stackmon.yml writes it. */
function weeklyWindow(start: Date, end: Date): string {
  const from = zoned(start);
  const to = zoned(end);
  return `[{days: [${from.day}], start: "${from.clock}", end: "${to.clock}"}]`;
}

const minute = 60_000;
const startOfMinute = (ms: number) => Math.floor(ms / minute) * minute;

const firingWith = (text: string) => (post: Post) =>
  post.visible.includes(text) && !post.attachments.some((a) => a.title?.startsWith("Resolved"));

describe("silences, maintenance windows and owners' channels in the real Alertmanager", () => {
  let mattermost: TestMattermost;
  let up: UpProcess;
  let dir: string;
  let configFile: string;
  let alertmanagerUrl: string;
  let nodePid: number;
  /** When the window around now ends (its end minute, in this machine's clock). */
  let windowEnds: number;

  /** Posts an alert to Alertmanager as Prometheus does: firing for the next 10 minutes. */
  async function fire(labels: Record<string, string>): Promise<void> {
    const alert = {
      labels: { instance: HOST, severity: "critical", ...labels },
      annotations: { summary: `${labels["alertname"]} at ${HOST}`, description: "posted by the test" },
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 10 * minute).toISOString(),
    };
    const response = await fetch(`${alertmanagerUrl}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([alert]),
    });
    assert.equal(response.status, 200, await response.text());
  }

  /** Whether Mattermost was ever asked to post about `text` (accepted or not). */
  const requested = (text: string) => mattermost.attempts.some((a) => a.title.includes(text));

  const stackmon = (...args: string[]) =>
    runCliAsync([...args, "-c", configFile, "--dir", join(dir, "work")]);

  before(async () => {
    mattermost = await startMattermost({ channels: ["ops", "db-oncall"] });
    dir = tempDir("stackmon-silences-");
    const urlFile = join(dir, "mattermost.url");
    writeFileSync(urlFile, `${mattermost.hookUrl()}\n`, { mode: 0o640 });
    const now = Date.now();
    windowEnds = startOfMinute(now) + 3 * minute;
    const [prom, am, node] = await freePorts(3);
    alertmanagerUrl = `http://127.0.0.1:${am}`;
    configFile = join(dir, "stackmon.yml");
    up = await startUp(
      `
global: {hostname: ${HOST}, scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
prometheus: {listen_address: "127.0.0.1:${prom}"}
alertmanager: {listen_address: "127.0.0.1:${am}"}
grafana: {enabled: false}
exporters:
  node: {listen_address: "127.0.0.1:${node}"}
  blackbox: {enabled: false}
alerting:
  group_wait: 1s
  group_interval: 2s
  mattermost:
    webhook_url_file: ${urlFile}
    critical: {channel: ops}
    warning: {channel: ops}
  routes:
    - name: database
      components: [mysql]
      critical: {channel: db-oncall}
      warning: {channel: db-oncall}
  maintenance:
    - name: around-now
      matchers: [alertname=WindowProbeNow]
      weekly: ${weeklyWindow(new Date(startOfMinute(now) - 2 * minute), new Date(windowEnds))}
      timezone: ${ZONE}
    - name: in-three-hours
      matchers: [alertname=WindowProbeLater]
      weekly: ${weeklyWindow(new Date(startOfMinute(now) + 180 * minute), new Date(startOfMinute(now) + 210 * minute))}
      timezone: ${ZONE}
  rules:
    TargetDown: {for: 0s}
`,
      { dir },
    );
    configFile = join(dir, "stackmon.yml");
    nodePid = pidOf(up, "node");
  });

  after(async () => {
    if (nodePid) process.kill(nodePid, "SIGCONT");
    await up?.stop();
    await mattermost?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("mutes an alert inside its window's hours, and not one whose window is later", async () => {
    await fire({ alertname: "WindowProbeNow" });
    await fire({ alertname: "WindowProbeLater" });
    const later = await mattermost.waitForPost(firingWith("WindowProbeLater at"), 30_000);
    assert.equal(later.channel, "ops");
    await sleep(QUIET_MS);
    assert.ok(
      Date.now() < windowEnds - 10_000,
      "the check ran inside the window (the stack started in time)",
    );
    assert.equal(requested("WindowProbeNow"), false, "Mattermost was never asked to post the muted alert");
  });

  it("sends a component's alerts to its owner's channel by severity, and the rest to the catch-all", async () => {
    await fire({ alertname: "MysqlDown", component: "mysql" });
    await fire({ alertname: "MysqlTooManyConnections", component: "mysql", severity: "warning" });
    await fire({ alertname: "NodeMemoryHighUtilization", component: "node", severity: "warning" });
    const mysqlDown = await mattermost.waitForPost(firingWith("MysqlDown at"), 30_000);
    const connections = await mattermost.waitForPost(firingWith("MysqlTooManyConnections at"), 30_000);
    const memory = await mattermost.waitForPost(firingWith("NodeMemoryHighUtilization at"), 30_000);
    assert.deepEqual(
      [mysqlDown.channel, connections.channel, memory.channel],
      ["db-oncall", "db-oncall", "ops"],
    );
    assert.match(mysqlDown.attachments[0]?.title ?? "", /^Critical: /);
    assert.match(connections.attachments[0]?.title ?? "", /^Warning: /);

    // A real failure: the node exporter stops answering, Prometheus fires TargetDown.
    process.kill(nodePid, "SIGSTOP");
    try {
      const down = await mattermost.waitForPost(firingWith(`node at ${HOST} is down`), 90_000);
      assert.equal(down.channel, "ops");
    } finally {
      process.kill(nodePid, "SIGCONT");
    }
    const channelsOf = (text: string) => [
      ...new Set(mattermost.posts.filter(firingWith(text)).map((p) => p.channel)),
    ];
    assert.deepEqual(channelsOf("MysqlDown at"), ["db-oncall"], "the owner's alerts reach only its channel");
    assert.deepEqual(channelsOf(`node at ${HOST} is down`), ["ops"]);
  });

  it("silences an alert so that it reaches nobody, and its expiry brings it back", async () => {
    const first = await stackmon(
      "silence",
      "add",
      "--matcher",
      "alertname=SilenceProbe",
      "--host",
      HOST,
      "--for",
      "10m",
      "--comment",
      "replacing a disk",
      "--author",
      "alice",
    );
    assert.equal(first.status, 0, first.stderr);
    assert.match(
      first.stdout,
      /^Silenced instance="e2e-ops", alertname="SilenceProbe" until .+ \(in 10m\): [0-9a-f-]{36}$/m,
    );
    assert.match(first.stdout, /^It matches no alert firing now; it holds back matching alerts/m);
    const firstId = /: ([0-9a-f-]{36})$/m.exec(first.stdout)?.[1] ?? "";

    await fire({ alertname: "SilenceProbe" });
    await sleep(QUIET_MS);
    assert.equal(requested("SilenceProbe"), false, "the silenced alert reached nobody");

    // A second silence over the same alert: it says which alert firing now it holds back.
    const second = await stackmon(
      "silence",
      "add",
      "--matcher",
      "alertname=~Silence.*",
      "--host",
      HOST,
      "--for",
      "10m",
      "--comment",
      "second opinion",
    );
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /^It holds back 1 alert firing now: SilenceProbe at e2e-ops$/m);
    const created = { id: /: ([0-9a-f-]{36})$/m.exec(second.stdout)?.[1] ?? "" };

    const listed = await stackmon("silence", "list");
    assert.equal(listed.status, 0, listed.stderr);
    const row = listed.stdout.split("\n").find((l) => l.startsWith(firstId));
    assert.match(
      row ?? "",
      /active\s+instance="e2e-ops", alertname="SilenceProbe"\s+in 10m\s+1\s+alice\s+replacing a disk$/,
    );
    assert.match(listed.stdout, /alertname=~"Silence\.\*"\s+in 10m\s+1\s+\S+\s+second opinion$/m);

    const expireStarted = Date.now();
    const expired = await stackmon("silence", "expire", firstId.slice(0, 8), created.id);
    assert.equal(expired.status, 0, expired.stderr);
    assert.match(
      expired.stdout,
      new RegExp(`^Expired: ${firstId} \\(instance="e2e-ops", alertname="SilenceProbe"\\)$`, "m"),
    );
    const back = await mattermost.waitForPost(firingWith("SilenceProbe at"), 30_000);
    assert.equal(back.channel, "ops");
    assert.ok(Date.now() >= expireStarted);

    const after = await stackmon("silence", "list", "--all", "--json");
    const states = (JSON.parse(after.stdout) as { id: string; status: { state: string } }[])
      .filter((s) => s.id === firstId || s.id === created.id)
      .map((s) => s.status.state);
    assert.deepEqual(states, ["expired", "expired"]);
  });

  it("lets a silence end by itself, and the alert it held back arrives", async () => {
    const added = await stackmon(
      "silence",
      "add",
      "--matcher",
      "alertname=SilenceEndProbe",
      "--for",
      "6s",
      "--comment",
      "short",
    );
    assert.equal(added.status, 0, added.stderr);
    const ends = Date.now() + 6_000;
    await fire({ alertname: "SilenceEndProbe" });
    await sleep(Math.max(0, ends - Date.now() - 1_000));
    assert.equal(requested("SilenceEndProbe"), false, "held back while the silence lasts");
    const post = await mattermost.waitForPost(firingWith("SilenceEndProbe at"), 30_000);
    assert.equal(post.channel, "ops");
  });

  it("refuses a silence for a host that is not this machine, before asking Alertmanager", async () => {
    const result = await stackmon("silence", "add", "--host", "db9", "--for", "1h", "--comment", "x");
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^--host: db9 is not this machine \(e2e-ops\), and there is no inventory/m);
  });

  it("silences through Grafana's Alertmanager API as Grafana answers it", async () => {
    const grafana = await startGrafanaAlertmanager({ alertmanagerUrl, user: "admin", password: "pw" });
    try {
      const access = {
        baseUrl: grafana.url,
        engine: "grafana" as const,
        http: httpGet,
        description: `Grafana at ${grafana.url}`,
      };
      const api = silenceApi({
        ...access,
        headers: { authorization: `Basic ${Buffer.from("admin:pw").toString("base64")}` },
      });
      await fire({ alertname: "GrafanaProbe" });
      const id = await api.create({
        matchers: [{ name: "alertname", value: "GrafanaProbe", isRegex: false, isEqual: true }],
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + 10 * minute).toISOString(),
        createdBy: "alice",
        comment: "through Grafana",
      });
      assert.ok((await api.list()).some((s) => s.id === id && s.status.state === "active"));
      const held = await eventually("the alert is silenced", async () => {
        const alerts = await api.alerts([{ label: "alertname", op: "=", value: "GrafanaProbe" }]);
        return alerts[0]?.status.silencedBy?.includes(id) ? alerts : undefined;
      });
      assert.equal(held.length, 1);
      await api.expire(id);
      await assert.rejects(api.expire("00000000-0000-4000-8000-000000000000"), (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.match(error.message, /answered 404/);
        return true;
      });
      assert.deepEqual(
        grafana.requests.filter((r) => r.startsWith("POST") || r.startsWith("DELETE")),
        [
          "POST /api/alertmanager/grafana/api/v2/silences",
          `DELETE /api/alertmanager/grafana/api/v2/silence/${id}`,
          "DELETE /api/alertmanager/grafana/api/v2/silence/00000000-0000-4000-8000-000000000000",
        ],
      );
      await assert.rejects(silenceApi({ ...access, headers: {} }).list(), (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.match(error.describe(), /answered 401[\s\S]*hint: stackmon uses the password/);
        return true;
      });
    } finally {
      await grafana.close();
    }
  });

  it("delivers the window's alert once its hours are over", async () => {
    const wait = windowEnds - Date.now();
    if (wait > 0) await sleep(wait);
    const post = await mattermost.waitForPost(firingWith("WindowProbeNow at"), 60_000);
    assert.equal(post.channel, "ops");
    assert.ok(Date.now() >= windowEnds);
    const reachable = await httpGet(`${alertmanagerUrl}/-/ready`);
    assert.equal(reachable?.status, 200);
  });
});

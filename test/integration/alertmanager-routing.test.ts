// What stackmon renders for Alertmanager beyond delivery, run by the real one (Debian's 0.25,
// through `stackmon up`): inhibition, with alerts posted to its API as Prometheus posts them and
// checked where they arrive (the Mattermost test server) and in Alertmanager's own view; and the
// heartbeat, the Watchdog pinging a local HTTP receiver.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePorts } from "../helpers/ports.js";
import { startMattermost, type Post, type TestMattermost } from "../helpers/mattermost.js";
import { startUp, tempDir, type UpProcess } from "../helpers/stackmon.js";
import { eventually, sleep } from "../helpers/eventually.js";

type Labels = Record<string, string>;

interface AlertmanagerAlert {
  readonly labels: Labels;
  readonly status: { readonly state: string; readonly inhibitedBy: readonly string[] };
}

/** A post's title, without the zero-width spaces that keep a URL in it from becoming a link. */
const title = (post: Post) => (post.attachments[0]?.title ?? "").replace(/\u200b/g, "");

/** A healthchecks-style ping endpoint: any POST is a ping, answered "OK". */
interface PingReceiver {
  readonly url: string;
  readonly pings: { readonly at: number; readonly body: string }[];
  close(): Promise<void>;
}

async function startPingReceiver(): Promise<PingReceiver> {
  const pings: { at: number; body: string }[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      if (request.method === "POST" && request.url === "/ping/3f1c0ffee")
        pings.push({ at: Date.now(), body });
      response.writeHead(request.url === "/ping/3f1c0ffee" ? 200 : 404).end("OK");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/ping/3f1c0ffee`,
    pings,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const HEARTBEAT_SECONDS = 2;

describe("inhibition and the heartbeat in the real Alertmanager", () => {
  let mattermost: TestMattermost;
  let receiver: PingReceiver;
  let up: UpProcess;
  let dir: string;
  let alertmanagerUrl: string;

  /** Posts firing alerts as Prometheus does: labels as the rules set them, and a summary. */
  const fire = async (...alerts: { labels: Labels; summary: string }[]) => {
    const response = await fetch(`${alertmanagerUrl}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(
        alerts.map((a) => ({ labels: a.labels, annotations: { summary: a.summary, description: "-" } })),
      ),
    });
    assert.equal(response.status, 200, await response.text());
  };

  /** What Alertmanager holds for an instance, by alertname. */
  const held = async (instance: string): Promise<Map<string, AlertmanagerAlert>> => {
    const filter = encodeURIComponent(`instance="${instance}"`);
    const response = await fetch(`${alertmanagerUrl}/api/v2/alerts?filter=${filter}`);
    const alerts = (await response.json()) as AlertmanagerAlert[];
    return new Map(alerts.map((a) => [a.labels["alertname"] ?? "", a]));
  };

  before(async () => {
    mattermost = await startMattermost({ channels: ["ops-critical", "ops"] });
    dir = tempDir("stackmon-inhibition-");
    const hookFile = join(dir, "mattermost.url");
    writeFileSync(hookFile, `${mattermost.hookUrl()}\n`, { mode: 0o600 });
    receiver = await startPingReceiver();
    const pingFile = join(dir, "heartbeat.url");
    writeFileSync(pingFile, `${receiver.url}\n`, { mode: 0o600 });
    const [prometheus, alertmanager, node, blackbox] = await freePorts(4);
    alertmanagerUrl = `http://127.0.0.1:${alertmanager}`;
    up = await startUp(`
global: {hostname: monitor, scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
prometheus: {listen_address: "127.0.0.1:${prometheus}"}
alertmanager: {listen_address: "127.0.0.1:${alertmanager}"}
exporters:
  node: {listen_address: "127.0.0.1:${node}"}
  blackbox: {listen_address: "127.0.0.1:${blackbox}"}
alerting:
  group_wait: 1s
  group_interval: 1s
  mattermost:
    webhook_url_file: ${hookFile}
    critical: {channel: ops-critical}
    warning: {channel: ops}
  heartbeat: {url_file: ${pingFile}, interval: ${HEARTBEAT_SECONDS}s}
`);
  });

  after(async () => {
    await up?.stop();
    await mattermost?.close();
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a stopped node exporter holds back nothing: MySQLDown of the same host arrives", async () => {
    await fire(
      {
        labels: { alertname: "TargetDown", severity: "warning", job: "node", instance: "web1" },
        summary: "node at web1 is down",
      },
      {
        labels: { alertname: "MySQLDown", severity: "critical", job: "mysql", instance: "web1" },
        summary: "MySQL at web1 is down",
      },
    );
    const mysql = await mattermost.waitForPost((p) => title(p) === "Critical: MySQL at web1 is down", 30_000);
    assert.equal(mysql.channel, "ops-critical");
    await mattermost.waitForPost((p) => title(p) === "Warning: node at web1 is down", 30_000);
    assert.deepEqual((await held("web1")).get("MySQLDown")?.status.inhibitedBy, []);
  });

  it("an unreachable host holds back its targets' TargetDown, and not a site it serves", async () => {
    const site = "https://shop.example.com";
    await fire(
      {
        labels: { alertname: "HostUnreachable", severity: "critical", job: "node", instance: "web2" },
        summary: "web2 is unreachable: none of its exporters answers",
      },
      {
        labels: { alertname: "TargetDown", severity: "warning", job: "mysql", instance: "web2" },
        summary: "mysql at web2 is down",
      },
      {
        labels: {
          alertname: "BlackboxProbeFailed",
          severity: "critical",
          job: "blackbox_http",
          instance: site,
        },
        summary: "shop (https://shop.example.com) is down",
      },
    );
    await mattermost.waitForPost(
      (p) => title(p) === "Critical: web2 is unreachable: none of its exporters answers",
    );
    await mattermost.waitForPost((p) => title(p) === "Critical: shop (https://shop.example.com) is down");
    const targetDown = await eventually("Alertmanager marking TargetDown inhibited", async () => {
      const alert = (await held("web2")).get("TargetDown");
      return alert?.status.state === "suppressed" ? alert : undefined;
    });
    assert.equal(targetDown.status.inhibitedBy.length, 1);
    assert.deepEqual((await held(site)).get("BlackboxProbeFailed")?.status.inhibitedBy, []);
    // A few group intervals later, still nothing about the held-back target.
    await sleep(3000);
    assert.ok(!mattermost.posts.some((p) => title(p) === "Warning: mysql at web2 is down"));
  });

  it("pings the heartbeat URL with the Watchdog, again at every interval", async () => {
    // As the rule labels it. Prometheus's own arrives as well, but only a resend delay (a minute)
    // after it first fired when that was before it had found Alertmanager.
    await fire({
      labels: { alertname: "Watchdog", severity: "info", component: "prometheus" },
      summary: "The alerting pipeline is working",
    });
    await eventually("three pings", () => (receiver.pings.length >= 3 ? true : undefined), 60_000);
    const gaps = receiver.pings.slice(1).map((p, i) => (p.at - receiver.pings[i]!.at) / 1000);
    // Repeated once the interval has passed, at the next flush of the group.
    for (const gap of gaps)
      assert.ok(
        gap >= HEARTBEAT_SECONDS - 0.5 && gap <= 2 * HEARTBEAT_SECONDS + 1,
        `gaps between pings: ${gaps.join(", ")} s`,
      );
    assert.match(receiver.pings[0]!.body, /stackmon heartbeat/);
    // The URL is a secret: Alertmanager shows its configuration, never the URL.
    const status = await (await fetch(`${alertmanagerUrl}/api/v2/status`)).text();
    assert.ok(!status.includes("3f1c0ffee"), "the ping URL is not in Alertmanager's status");
    assert.match(status, /api_url_file/);
  });

  it("stops while notifications fail, so that the service outside notices", async () => {
    const failing = {
      labels: {
        alertname: "AlertmanagerFailedToSendAlerts",
        severity: "critical",
        job: "alertmanager",
        instance: "monitor",
        integration: "slack",
      },
      summary: "Alertmanager at monitor fails to deliver 100.0% of its slack notifications",
    };
    await fire(failing);
    await eventually("the Watchdog held back", async () => {
      const filter = encodeURIComponent('alertname="Watchdog"');
      const alerts = (await (
        await fetch(`${alertmanagerUrl}/api/v2/alerts?filter=${filter}`)
      ).json()) as AlertmanagerAlert[];
      return alerts[0]?.status.state === "suppressed" ? true : undefined;
    });
    const before = receiver.pings.length;
    await sleep(3 * HEARTBEAT_SECONDS * 1000 + 2000);
    assert.equal(receiver.pings.length, before, "no ping while delivery fails");

    // Delivery works again: the failing alert resolves and the pings resume.
    const response = await fetch(`${alertmanagerUrl}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ labels: failing.labels, endsAt: new Date().toISOString() }]),
    });
    assert.equal(response.status, 200);
    await eventually("pings again", () => (receiver.pings.length > before ? true : undefined), 30_000);
  });
});

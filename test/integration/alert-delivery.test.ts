// Delivery through the real Alertmanager, run by `stackmon up` with nothing else, to the
// Mattermost stand-in: what a post looks like and whom it notifies, a 2,000-alert group, a
// hostile label, and a broken hook noticed by `stackmon test-alert` and `stackmon verify`.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { eventually, sleep } from "../helpers/eventually.js";
import {
  DEFAULT_HOOK,
  HOOK_CREATOR,
  startMattermost,
  type Post,
  type TestMattermost,
} from "../helpers/mattermost.js";
import { freePorts } from "../helpers/ports.js";
import { runCliAsync, startUp, tempDir, type UpProcess } from "../helpers/stackmon.js";

/** The critical route's own hook, which keeps working while the default one is deleted. */
const CRITICAL_HOOK = "stackmon0crit0hook0id00000";

interface AlertSpec {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

describe("alert delivery through Alertmanager to Mattermost", () => {
  let mattermost: TestMattermost;
  let up: UpProcess;
  let dir: string;
  let alertmanagerUrl: string;
  let config: string;

  before(async () => {
    mattermost = await startMattermost({
      channels: ["ops-critical", "ops"],
      hooks: [DEFAULT_HOOK, CRITICAL_HOOK],
    });
    dir = tempDir("stackmon-delivery-");
    const urlFile = join(dir, "mattermost.url");
    writeFileSync(urlFile, `${mattermost.hookUrl()}\n`, { mode: 0o600 });
    const criticalUrlFile = join(dir, "mattermost-critical.url");
    writeFileSync(criticalUrlFile, `${mattermost.hookUrl(CRITICAL_HOOK)}\n`, { mode: 0o600 });
    const [port] = await freePorts(1);
    alertmanagerUrl = `http://127.0.0.1:${port}`;
    const text = `
global: {hostname: delivery}
prometheus: {enabled: false}
alertmanager: {listen_address: "127.0.0.1:${port}"}
exporters:
  node: {enabled: false}
  blackbox: {enabled: false}
grafana: {enabled: false}
alerting:
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  mattermost:
    webhook_url_file: ${urlFile}
    critical: {channel: ops-critical, mention: "@channel", webhook_url_file: ${criticalUrlFile}}
    warning: {channel: ops, mention: "@alice"}
`;
    config = join(dir, "stackmon.yml");
    writeFileSync(config, text);
    up = await startUp(text, { dir });
  });
  after(async () => {
    await up?.stop();
    await mattermost?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Posts alerts to Alertmanager as Prometheus would; `resolved` ends them now. */
  const send = async (alerts: readonly AlertSpec[], resolved = false) => {
    const now = new Date();
    const body = alerts.map((a) => ({
      ...a,
      startsAt: new Date(now.getTime() - 60_000).toISOString(),
      endsAt: new Date(resolved ? now.getTime() - 1000 : now.getTime() + 600_000).toISOString(),
      generatorURL: "http://prometheus.example:9090/graph?g0.expr=up",
    }));
    const response = await fetch(`${alertmanagerUrl}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200, await response.text());
  };
  const title = (post: Post) => post.attachments[0]?.title ?? "";

  it("delivers a 2,000-alert group as one post under the size limit, notifying the channel", async () => {
    const alerts = Array.from({ length: 2000 }, (_, i) => ({
      labels: {
        alertname: "NodeFilesystemAlmostOutOfSpace",
        severity: "critical",
        instance: `web${i}`,
        mountpoint: "/",
      },
      annotations: {
        summary: `4.0% free on / at web${i}`,
        description: `Filesystem / on web${i} (/dev/sda1) has 4.0% of its space left and is filling up.`,
      },
    }));
    await send(alerts);
    const post = await mattermost.waitForPost(
      (p) => title(p) === "Critical: 2000 × NodeFilesystemAlmostOutOfSpace",
    );
    assert.equal(post.channel, "ops-critical");
    assert.match(
      post.attachments[0]?.text ?? "",
      /^…and 1975 more: \[see all 2000\]\(http:\/\/.+\/#\/alerts\?receiver=mattermost-critical&filter=/m,
    );
    assert.deepEqual(post.notified.users, [HOOK_CREATOR, "alice", "bob"]);
    await sleep(3000);
    const attempts = mattermost.attempts.filter((a) => a.title === title(post));
    assert.deepEqual(
      attempts.map((a) => a.status),
      [200],
      "one request, accepted",
    );
    assert.ok((attempts[0]?.requestBytes ?? Infinity) < 300_000, `${attempts[0]?.requestBytes} bytes`);

    await send(alerts, true);
    const resolved = await mattermost.waitForPost(
      (p) => title(p) === "Resolved: 2000 × NodeFilesystemAlmostOutOfSpace",
    );
    assert.deepEqual(resolved.notified.users, [], "a resolved message notifies nobody");
  });

  it("notifies only the configured mention when a backup's name says @all and carries links", async () => {
    const hostile = "db @all @bob <!channel> [click](https://evil.example/x) https://evil.example/y";
    await send([
      {
        labels: { alertname: "DuplicatiBackupWarnings", severity: "warning", backup: hostile },
        annotations: {
          summary: `backup ${hostile} finished with warnings at files1`,
          description: `Duplicati reported warnings for ${hostile}.`,
        },
      },
    ]);
    const post = await mattermost.waitForPost((p) => title(p).startsWith("Warning: backup db"));
    assert.equal(post.channel, "ops");
    assert.deepEqual(post.notified.users, ["alice"]);
    assert.deepEqual(post.notified.keywords, ["@alice"]);
    assert.ok(
      post.links.every((link) => !link.includes("evil")),
      post.links.join("\n"),
    );
  });

  it("reports a deleted hook with Mattermost's answer, in test-alert and in verify", async () => {
    mattermost.deleteHook(DEFAULT_HOOK);
    try {
      const work = join(dir, "work");
      const testAlert = runCliAsync(["test-alert", "-c", config, "--dir", work, "--wait", "15s"]);
      // Another receiver's notification succeeds meanwhile: Alertmanager 0.25 counts requests per
      // integration, so only its log can tell that the test alert's own request failed.
      await eventually("the test alert in Alertmanager", async () => {
        const alerts = (await (await fetch(`${alertmanagerUrl}/api/v2/alerts`)).json()) as AlertSpec[];
        return alerts.some((a) => a.labels["alertname"] === "StackmonTestAlert");
      });
      // A dozen groups (one post each) outnumber the failed requests of the groups still pending.
      await send(
        Array.from({ length: 12 }, (_, i) => ({
          labels: { alertname: `OtherReceiverDelivered${i}`, severity: "critical", instance: "delivery" },
          annotations: { summary: `another receiver's post ${i}` },
        })),
      );
      const refused = await testAlert;
      console.log("DEBUG", refused.stderr);
      await mattermost.waitForPost((p) => p.visible.includes("another receiver's post 11"));
      assert.equal(refused.status, 2, `${refused.stdout}${refused.stderr}`);
      assert.match(
        refused.stdout,
        /not delivered: Mattermost refused it \(\d+ failed requests?\): mattermost-warning: Mattermost answered 400 \{"id":"web\.incoming_webhook\.general\.app_error".*\}: Mattermost refused the request: most often the webhook was deleted/,
      );
      assert.doesNotMatch(
        refused.stdout,
        new RegExp(DEFAULT_HOOK),
        "the hook's id (its secret) is not printed",
      );
      const verify = await runCliAsync(["verify", "-c", config, "--dir", work, "--json"]);
      assert.equal(verify.status, 2, verify.stdout);
      const checks = (
        JSON.parse(verify.stdout) as { checks: { check: string; status: string; detail: string }[] }
      ).checks;
      const failing = checks.find((c) => c.check === "notifications mattermost-warning (slack)");
      assert.equal(failing?.status, "fail", JSON.stringify(checks, null, 1));
      assert.match(failing?.detail ?? "", /Mattermost answered 400 .*most often the webhook was deleted/);
    } finally {
      mattermost.restoreHook(DEFAULT_HOOK);
    }
  });
});

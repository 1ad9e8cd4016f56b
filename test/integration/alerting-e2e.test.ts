// Failures reach Mattermost end to end: `stackmon up` with real Prometheus, Alertmanager and
// exporters, delivering to a server that implements Mattermost's webhook contract. Intervals are
// shortened and every rule's `for` set to 0s so that each failure surfaces in seconds.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createServer, type Server } from "node:https";
import { freePorts } from "../helpers/ports.js";
import { startPm2, type TestPm2 } from "../helpers/pm2.js";
import { makeCertificate } from "../helpers/tls.js";
import {
  DEFAULT_HOOK,
  HOOK_CREATOR,
  startMattermost,
  type Post,
  type TestMattermost,
} from "../helpers/mattermost.js";
import { pidOf, REPO_ROOT, runCliAsync, startUp, tempDir, type UpProcess } from "../helpers/stackmon.js";
import { eventually, sleep } from "../helpers/eventually.js";

const HOST = "e2e-host";
const DUPLICATI_TOKEN = "alerting-e2e-token-0123456789";

const isFiring = (post: Post) =>
  post.attachments.some((a) => a.title?.startsWith("Critical") || a.title?.startsWith("Warning"));
const isResolved = (post: Post) => post.attachments.some((a) => a.title?.startsWith("Resolved"));

describe("alerts reach Mattermost", () => {
  let mattermost: TestMattermost;
  let up: UpProcess;
  let dir: string;
  let site: Server;
  let pm2: TestPm2;
  let duplicatiPort: number;

  before(async () => {
    mattermost = await startMattermost({ channels: ["ops-critical", "ops-alerts"] });
    dir = tempDir("stackmon-alerting-");
    const urlFile = join(dir, "mattermost.url");
    writeFileSync(urlFile, `${mattermost.hookUrl()}\n`, { mode: 0o640 });
    // A website whose certificate expires in 2 days.
    const certificate = makeCertificate(dir, "localhost", 2);
    site = createServer(
      { cert: readFileSync(certificate.certFile), key: readFileSync(certificate.keyFile) },
      (_request, response) => response.end("ok"),
    );
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    const sitePort = (site.address() as { port: number }).port;
    // A PM2 app that crashes a second after every start, restarted by PM2 each time.
    pm2 = startPm2();
    pm2.run([
      "start",
      pm2.app("crasher", "setTimeout(() => process.exit(1), 1000);"),
      "--name",
      "crasher",
      "--restart-delay",
      "500",
      "--max-restarts",
      "10000",
    ]);
    const [prom, am, node, blackbox, pm2Port, duplicati] = await freePorts(6);
    duplicatiPort = duplicati ?? 0;
    up = await startUp(
      `
global: {hostname: ${HOST}, scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
prometheus: {listen_address: "127.0.0.1:${prom}"}
alertmanager: {listen_address: "127.0.0.1:${am}"}
exporters:
  node: {listen_address: "127.0.0.1:${node}"}
  blackbox:
    listen_address: "127.0.0.1:${blackbox}"
    targets: [{url: "https://127.0.0.1:${sitePort}/", name: expiring}]
  pm2: {enabled: true, user: root, pm2_home: "${pm2.home}", listen_address: "127.0.0.1:${pm2Port}"}
  duplicati:
    enabled: true
    listen_address: "127.0.0.1:${duplicati}"
    token_env: DUPLICATI_TOKEN
    scrape_interval: 1s
alerting:
  group_wait: 1s
  group_interval: 2s
  mattermost:
    webhook_url_file: ${urlFile}
    critical: {channel: ops-critical, mention: "@channel"}
    warning: {channel: ops-alerts}
  rules:
    # Critical here (warnings by default), for the critical route's mention.
    TargetDown: {for: 0s, severity: critical}
    BlackboxCertificateExpiring: {critical: {for: 0s}, warning: {for: 0s}}
    Pm2ProcessRestartLoop: {for: 0s}
    DuplicatiBackupFailed: {for: 0s, severity: critical}
`,
      { dir, env: { ...process.env, DUPLICATI_TOKEN } },
    );
  });
  after(async () => {
    await up?.stop();
    await mattermost?.close();
    pm2?.stop();
    site?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("posts a certificate expiring in 2 days as critical, naming the host and the days left", async () => {
    const post = await mattermost.waitForPost(
      (p) => isFiring(p) && /certificate for 127\.0\.0\.1 expires in (1\.9|2\.0) days/.test(p.visible),
    );
    assert.equal(post.channel, "ops-critical");
    assert.match(post.attachments[0]?.title ?? "", /^Critical: certificate for 127\.0\.0\.1 expires in/);
    // The critical holds back the warning of the same certificate (inhibition).
    await sleep(5_000);
    assert.ok(
      !mattermost.posts.some(
        (p) => p.channel === "ops-alerts" && p.visible.includes("certificate for 127.0.0.1"),
      ),
    );
  });

  it("posts a crash-looping PM2 app as a restart loop", async () => {
    const post = await mattermost.waitForPost(
      (p) =>
        isFiring(p) &&
        /crasher \(pm_id 0\) of root keeps restarting: \d+ restarts in 15 minutes at e2e-host/.test(
          p.visible,
        ),
    );
    assert.equal(post.channel, "ops-critical");
  });

  it("posts a Duplicati backup whose report says Error as failed", async () => {
    const report = readFileSync(
      join(REPO_ROOT, "test/fixtures/duplicati/json-error-long-duration.json"),
      "utf8",
    );
    const response = await fetch(`http://127.0.0.1:${duplicatiPort}/report?token=${DUPLICATI_TOKEN}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: report,
    });
    assert.equal(response.status, 200);
    const post = await mattermost.waitForPost(
      (p) => isFiring(p) && p.visible.includes("backup db dumps failed at dbhost"),
    );
    assert.equal(post.channel, "ops-critical");
  });

  it("posts a stopped node exporter to the critical channel, then its recovery", async () => {
    const pid = pidOf(up, "node");
    process.kill(pid, "SIGSTOP");
    try {
      const down = await mattermost.waitForPost(
        (p) => isFiring(p) && p.visible.includes("node at e2e-host is down"),
      );
      assert.equal(down.channel, "ops-critical");
      // Mattermost drops the name a request sends unless EnablePostUsernameOverride is on.
      assert.equal(down.username, HOOK_CREATOR);
      assert.deepEqual(down.notified.users, [HOOK_CREATOR, "alice", "bob"], "@channel notifies the channel");
      const attachment = down.attachments[0];
      assert.equal(attachment?.color, "#d00000");
      assert.equal(attachment?.pretext, "@channel");
      assert.equal(attachment?.title, "Critical: node at e2e-host is down");
      assert.match(attachment?.text ?? "", /^Prometheus cannot scrape node at e2e-host: /);
      assert.match(attachment?.text ?? "", /\[Graph\]\(http:\/\/.+\/graph\?.+\) · \[Silence\]\(http/);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    const resolved = await mattermost.waitForPost(
      (p) => isResolved(p) && p.visible.includes("node at e2e-host is down"),
    );
    assert.equal(resolved.channel, "ops-critical");
    assert.equal(resolved.attachments[0]?.color, "#2eb886");
    assert.equal(resolved.attachments[0]?.pretext, "");
    assert.deepEqual(resolved.notified.users, [], "a resolved message notifies nobody");
  });

  it("delivers what fired while Mattermost answered 500, once it recovers", async () => {
    mattermost.failPosting();
    const pid = pidOf(up, "blackbox");
    const attemptsBefore = mattermost.attempts.length;
    process.kill(pid, "SIGSTOP");
    try {
      await eventually(
        "Alertmanager tried and got 500",
        () => mattermost.attempts.slice(attemptsBefore).some((a) => a.status === 500) || undefined,
        90_000,
        250,
      );
      mattermost.failPosting(false);
      await mattermost.waitForPost((p) => isFiring(p) && p.visible.includes("blackbox at e2e-host is down"));
    } finally {
      mattermost.failPosting(false);
      process.kill(pid, "SIGCONT");
    }
    await mattermost.waitForPost((p) => isResolved(p) && p.visible.includes("blackbox at e2e-host is down"));
  });

  it("logs the 400 of a deleted hook and does not retry it in a storm", async () => {
    mattermost.deleteHook(DEFAULT_HOOK);
    const pid = pidOf(up, "node");
    const attemptsBefore = mattermost.attempts.length;
    process.kill(pid, "SIGSTOP");
    try {
      await eventually(
        "Alertmanager tried and got 400",
        () => mattermost.attempts.slice(attemptsBefore).some((a) => a.status === 400) || undefined,
        90_000,
        250,
      );
      // Several group intervals (2s each) pass; a 4xx is not retried within one, so the attempts
      // for this message stay near one per interval instead of a tight loop.
      const firstRejected = mattermost.attempts.length;
      await sleep(10_000);
      const rejected = mattermost.attempts
        .slice(firstRejected)
        .filter((a) => a.title === "Critical: node at e2e-host is down").length;
      assert.ok(rejected <= 8, `${rejected} further attempts in 10 s with a 2 s group interval`);
      const log = readFileSync(join(dir, "work", "logs", "alertmanager.log"), "utf8");
      assert.match(log, /mattermost-critical.*400|400.*mattermost-critical/s);
    } finally {
      mattermost.restoreHook(DEFAULT_HOOK);
      process.kill(pid, "SIGCONT");
    }
  });

  it("test-alert reports a delivered test alert, then one Mattermost refused", async () => {
    const config = join(dir, "stackmon.yml");
    const delivered = await runCliAsync(["test-alert", "-c", config, "--wait", "60s"]);
    assert.equal(delivered.status, 0, `${delivered.stdout}${delivered.stderr}`);
    assert.match(delivered.stdout, /delivered: Mattermost accepted it/);
    const post = await mattermost.waitForPost((p) =>
      p.visible.includes(`Test alert from stackmon at ${HOST}`),
    );
    assert.equal(post.channel, "ops-alerts", "a warning goes to the warning channel");
    await mattermost.waitForPost((p) => isResolved(p) && p.visible.includes("Test alert from stackmon"));

    // The hook is locked to its own channel; the critical route posts to another one.
    mattermost.updateHook(DEFAULT_HOOK, { locked: true });
    try {
      const refused = await runCliAsync([
        "test-alert",
        "-c",
        config,
        "--severity",
        "critical",
        "--wait",
        "15s",
      ]);
      assert.equal(refused.status, 2, `${refused.stdout}${refused.stderr}`);
      assert.match(refused.stdout, /not delivered: Mattermost refused it/);
    } finally {
      mattermost.updateHook(DEFAULT_HOOK, { locked: false });
    }
  });

  it("never posts the same message twice and keeps the Watchdog out of chat", () => {
    // A message may come again only after it was resolved in between (a real flap).
    const lastStatus = new Map<string, string>();
    for (const post of mattermost.posts) {
      const title = post.attachments[0]?.title ?? "";
      const status = title.startsWith("Resolved") ? "resolved" : "firing";
      const key = JSON.stringify([post.channel, title.replace(/^[^:]+: /, ""), post.attachments[0]?.text]);
      assert.notEqual(lastStatus.get(key), status, `posted twice: ${post.visible}`);
      lastStatus.set(key, status);
    }
    assert.ok(mattermost.posts.length > 0);
    assert.ok(!mattermost.posts.some((p) => p.visible.includes("alerting pipeline is working")));
  });
});

// The Mattermost message templates, parsed and executed by the real amtool: Alertmanager's variant
// rendered over amtool's example notification (two resolved alerts) and over notifications of our
// own (a hostile label, a group of 2,000 alerts), what it renders posted to the Mattermost
// stand-in as Alertmanager would post it; Grafana's variant parsed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { firingMention, LISTED_ALERTS, messageTemplates } from "../../src/alerting/mattermost.js";
import { amtoolBinary } from "../../src/components/alertmanager/index.js";
import { resolveBinary } from "../../src/host/binaries.js";
import { startMattermost, type TestMattermost } from "../helpers/mattermost.js";
import { tempDir } from "../helpers/stackmon.js";

const amtool = resolveBinary(amtoolBinary);

function run(args: readonly string[]): { status: number | null; output: string } {
  assert.ok(amtool, "amtool is installed");
  const result = spawnSync(amtool.command, [...args], { encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Alertmanager's template.Data for a group of alerts, as `amtool template render --template.data` reads it. */
function notification(
  alerts: readonly { labels: Record<string, string>; annotations: Record<string, string>; status?: string }[],
  status = "firing",
): string {
  const commonLabels = { alertname: alerts[0]?.labels["alertname"] ?? "", severity: "critical" };
  return JSON.stringify({
    receiver: "mattermost-critical",
    status,
    alerts: alerts.map((a, i) => ({
      status: a.status ?? status,
      labels: { ...commonLabels, ...a.labels },
      annotations: a.annotations,
      startsAt: "2024-05-01T10:00:00Z",
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus.example:9090/graph?g0.expr=up",
      fingerprint: `f${i}`,
    })),
    groupLabels: { alertname: commonLabels.alertname },
    commonLabels,
    commonAnnotations: {},
    externalURL: "http://alertmanager.example:9093",
  });
}

describe("Mattermost message templates under amtool", () => {
  const dir = tempDir("stackmon-templates-");
  let mattermost: TestMattermost;
  before(async () => {
    mattermost = await startMattermost({ channels: ["ops"] });
  });
  after(async () => {
    await mattermost?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const templates = join(dir, "stackmon.tmpl");
  writeFileSync(
    templates,
    messageTemplates({ engine: "alertmanager", grafanaUrl: "https://grafana.example.com" }),
  );
  /** title, text and pretext as amtool renders them for this notification. */
  const renderAll = (data: string) => {
    const file = join(dir, `data-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, data);
    const part = (text: string) => {
      const result = run([
        "template",
        "render",
        `--template.glob=${templates}`,
        `--template.data=${file}`,
        `--template.text=${text}`,
      ]);
      assert.equal(result.status, 0, result.output);
      return result.output.replace(/\n$/, "");
    };
    return {
      title: part('{{ template "stackmon.title" . }}'),
      text: part('{{ template "stackmon.text" . }}'),
      pretext: part(firingMention("@alice")),
    };
  };
  /** Posted as Alertmanager 0.25's Slack integration posts: one attachment. */
  const deliver = async (message: { title: string; text: string; pretext: string }) => {
    const response = await fetch(mattermost.hookUrl(), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ channel: "ops", attachments: [{ ...message, fallback: message.title }] }),
    });
    assert.equal(response.status, 200, await response.text());
    const post = mattermost.posts.at(-1);
    assert.ok(post);
    return post;
  };

  it("keeps a hostile label from notifying anyone or linking anywhere", async () => {
    const hostile =
      "nightly @all @bob <!channel> <!here|here> [click](https://evil.example/a) https://evil.example/b www.evil.example\n\n# Resolved";
    const message = renderAll(
      notification([
        {
          labels: { alertname: "DuplicatiBackupFailed", backup: hostile },
          annotations: {
            summary: `backup ${hostile} failed at files1`,
            description: `The last run of ${hostile} ended in Error.`,
          },
        },
      ]),
    );
    const post = await deliver(message);
    assert.deepEqual(post.notified.users, ["alice"], "only the configured mention notifies");
    assert.deepEqual(post.notified.keywords, ["@alice"]);
    assert.ok(
      post.links.every((link) => !link.includes("evil")),
      post.links.join("\n"),
    );
    assert.doesNotMatch(post.visible, /^#/m, "no heading injected");
    assert.match(
      message.title,
      /^Critical: backup nightly @\u200ball @\u200bbob ‹!channel> ‹!here\|here> ［click］\(https:\/\u200b\/evil/,
    );
  });

  it("notifies nobody once the group is resolved", async () => {
    const message = renderAll(
      notification(
        [{ labels: { instance: "web1" }, annotations: { summary: "s", description: "d" } }],
        "resolved",
      ),
    );
    assert.equal(message.pretext, "");
    assert.deepEqual((await deliver(message)).notified.users, []);
  });

  it("lists 25 of a 2,000-alert group, counts the rest and links to all of them, in one small request", async () => {
    const alerts = Array.from({ length: 2000 }, (_, i) => ({
      labels: { alertname: "NodeFilesystemAlmostOutOfSpace", instance: `web${i}`, mountpoint: "/" },
      annotations: {
        summary: `4.0% free on / at web${i}`,
        description: `Filesystem / on web${i} (/dev/sda1) has 4.0% of its space left and will fill up.`,
      },
    }));
    const message = renderAll(notification(alerts));
    assert.equal(message.title, "Critical: 2000 × NodeFilesystemAlmostOutOfSpace");
    assert.equal(message.text.match(/^:red_circle: /gm)?.length, LISTED_ALERTS);
    assert.match(
      message.text,
      /^…and 1975 more: \[see all 2000\]\(http:\/\/alertmanager\.example:9093\/#\/alerts\?receiver=mattermost-critical&filter=%7Balertname%3D%22NodeFilesystemAlmostOutOfSpace%22%7D\)$/m,
    );
    const post = await deliver(message);
    assert.ok(Buffer.byteLength(JSON.stringify(message)) < 20_000);
    assert.deepEqual(post.notified.users, ["alice"]);
  });

  it("cuts an annotation of any length to 400 characters", () => {
    const message = renderAll(
      notification([
        { labels: { instance: "web1" }, annotations: { summary: "é".repeat(1_000_000), description: "d" } },
      ]),
    );
    assert.equal(message.title, `Critical: ${"é".repeat(400)}…`);
  });

  it("renders Alertmanager's title, text and fallback over an example notification", () => {
    const file = join(dir, "alertmanager.tmpl");
    writeFileSync(
      file,
      messageTemplates({ engine: "alertmanager", grafanaUrl: "https://grafana.example.com/" }),
    );
    const render = (name: string) =>
      run(["template", "render", `--template.glob=${file}`, `--template.text={{ template "${name}" . }}`]);
    const title = render("stackmon.title");
    assert.equal(title.status, 0, title.output);
    assert.match(title.output, /^Resolved: 2 × /);
    const text = render("stackmon.text");
    assert.equal(text.status, 0, text.output);
    assert.equal(text.output.match(/^:white_check_mark: \*\*/gm)?.length, 2, "one line per alert");
    assert.match(text.output, /\[Silence\]\(https:\/\/example\.com\/#\/silences\/new\?filter=/);
    assert.match(text.output, /· \[Dashboards\]\(https:\/\/grafana\.example\.com\/dashboards\/f\/stackmon\)/);
    assert.doesNotMatch(text.output, /<no value>/);
    assert.equal(render("stackmon.fallback").status, 0);
  });

  it("parses Grafana's variant (its per-alert silence link only Grafana can fill)", () => {
    const templates = join(dir, "grafana.tmpl");
    writeFileSync(templates, messageTemplates({ engine: "grafana" }));
    const config = join(dir, "alertmanager.yml");
    writeFileSync(config, `templates: ["${templates}"]\nroute: {receiver: x}\nreceivers: [{name: x}]\n`);
    const check = run(["check-config", config]);
    assert.equal(check.status, 0, check.output);
    assert.match(
      check.output,
      /Found:\s+- global config\s+- route\s+- 0 inhibit rules\s+- 1 receivers\s+- 1 templates/,
    );
    assert.match(check.output, /SUCCESS/);
  });
});

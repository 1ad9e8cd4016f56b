// The Grafana alerting provisioning file read by another YAML implementation (PyYAML, YAML 1.1),
// and the Grafana contact point's text rendered by amtool and posted as Grafana's Slack notifier
// posts it (its text, no pretext): the mention notifies while firing, and only then.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parse } from "yaml";
import { firingMention, messageTemplates } from "../../src/alerting/mattermost.js";
import { parseStackConfig, renderStack } from "../../src/stack.js";
import { asGrafanaReadsIt } from "../helpers/grafanaProvisioning.js";
import { startMattermost } from "../helpers/mattermost.js";
import { tempDir } from "../helpers/stackmon.js";

const CONFIG = `alerting:
  engine: grafana
  mattermost:
    webhook_url_env: HOOK
    critical: {channel: ops, mention: "@channel"}
`;

describe("Grafana's alerting provisioning file", () => {
  const dir = tempDir("stackmon-grafana-file-");
  after(() => rmSync(dir, { recursive: true, force: true }));
  const state = renderStack(parseStackConfig(CONFIG, "stackmon.yml", {}), { root: "", platform: "systemd" });
  const file = state.files.find((f) => f.path.endsWith("/provisioning/alerting/stackmon.yaml"));
  assert.ok(file && typeof file.content === "string");
  const text = file.content;

  it("loads in PyYAML, quoted matchers and all", () => {
    const path = join(dir, "stackmon.yaml");
    writeFileSync(path, text);
    const result = spawnSync(
      "python3",
      [
        "-c",
        "import sys, yaml, json; print(json.dumps(yaml.safe_load(open(sys.argv[1]))['policies'][0]['routes'][1]))",
        path,
      ],
      { encoding: "utf8" },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual((JSON.parse(result.stdout) as { object_matchers: unknown }).object_matchers, [
      ["severity", "=", "critical"],
    ]);
  });

  it("mentions the channel in the text while firing, and nobody once resolved", async () => {
    const grafana = asGrafanaReadsIt(
      parse(text) as { contactPoints: { receivers: { settings: { text: string } }[] }[] },
    );
    const contactText = grafana.contactPoints[0]?.receivers[0]?.settings.text ?? "";
    assert.ok(contactText.startsWith(firingMention("@channel", "\n")));
    const templates = join(dir, "stackmon.tmpl");
    // Grafana's variant has per-alert silence links amtool's data lacks; the mention is the same.
    writeFileSync(templates, messageTemplates({ engine: "alertmanager" }));
    const mattermost = await startMattermost({ channels: ["ops"] });
    try {
      for (const [status, notified] of [
        ["firing", ["alertbot", "alice", "bob"]],
        ["resolved", []],
      ] as const) {
        const data = join(dir, `${status}.json`);
        writeFileSync(
          data,
          JSON.stringify({
            receiver: "mattermost-critical",
            status,
            alerts: [
              {
                status,
                labels: { alertname: "TargetDown", severity: "critical" },
                annotations: { summary: "s", description: "d" },
                startsAt: "2024-05-01T10:00:00Z",
                endsAt: "0001-01-01T00:00:00Z",
                generatorURL: "http://p/g",
                fingerprint: "f",
              },
            ],
            groupLabels: { alertname: "TargetDown" },
            commonLabels: { alertname: "TargetDown", severity: "critical" },
            commonAnnotations: {},
            externalURL: "http://grafana.example/",
          }),
        );
        const rendered = spawnSync(
          "amtool",
          [
            "template",
            "render",
            `--template.glob=${templates}`,
            `--template.data=${data}`,
            `--template.text=${contactText}`,
          ],
          { encoding: "utf8" },
        );
        assert.equal(rendered.status, 0, rendered.stderr);
        const response = await fetch(mattermost.hookUrl(), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ channel: "ops", attachments: [{ title: status, text: rendered.stdout }] }),
        });
        assert.equal(response.status, 200);
        assert.deepEqual(mattermost.posts.at(-1)?.notified.users, notified, status);
      }
    } finally {
      await mattermost.close();
    }
  });
});

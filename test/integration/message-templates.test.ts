// The Mattermost message templates, parsed and executed by the real amtool: Alertmanager's variant
// rendered over amtool's example notification (two resolved alerts), Grafana's parsed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { messageTemplates } from "../../src/alerting/mattermost.js";
import { amtoolBinary } from "../../src/components/alertmanager/index.js";
import { resolveBinary } from "../../src/host/binaries.js";
import { tempDir } from "../helpers/stackmon.js";

const amtool = resolveBinary(amtoolBinary);

function run(args: readonly string[]): { status: number | null; output: string } {
  assert.ok(amtool, "amtool is installed");
  const result = spawnSync(amtool.command, [...args], { encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("Mattermost message templates under amtool", () => {
  const dir = tempDir("stackmon-templates-");
  after(() => rmSync(dir, { recursive: true, force: true }));

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

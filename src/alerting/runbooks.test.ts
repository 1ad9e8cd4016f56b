import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { components } from "../components/registry.js";
import { parseStackConfig, renderStack } from "../stack.js";
import { resolveAlerts } from "./catalog.js";
import { renderRunbooks, RUNBOOKS_END, RUNBOOKS_START, runbookAnchor } from "./runbooks.js";

const ALERTING_DOC = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "docs", "alerting.md");

/** The page with its generated part replaced by `runbooks`. */
function withRunbooks(page: string, runbooks: string): string {
  const start = page.indexOf(RUNBOOKS_START);
  const end = page.indexOf(RUNBOOKS_END);
  assert.ok(start >= 0 && end > start, `${ALERTING_DOC} has the runbook markers`);
  return `${page.slice(0, start + RUNBOOKS_START.length)}\n\n${runbooks}\n${page.slice(end)}`;
}

describe("runbooks", () => {
  const alerts = resolveAlerts(components, parseStackConfig("", "stackmon.yml", {}));

  it("docs/alerting.md holds every alert's runbook as the catalog writes it (UPDATE_GOLDEN=1 rewrites it)", () => {
    const page = readFileSync(ALERTING_DOC, "utf8");
    const expected = withRunbooks(page, renderRunbooks(alerts));
    if (process.env["UPDATE_GOLDEN"] === "1") writeFileSync(ALERTING_DOC, expected);
    else assert.equal(page, expected, "docs/alerting.md's runbooks are stale: npm run golden:update");
  });

  it("every alert's runbook_url points at a heading of that page", () => {
    const page = readFileSync(ALERTING_DOC, "utf8");
    const anchors = new Set(
      [...page.matchAll(/^#{1,6} (.+)$/gm)].map((m) => (m[1] ?? "").trim().toLowerCase()),
    );
    for (const alert of alerts) {
      assert.equal(
        alert.runbook,
        `https://github.com/stackmon/stackmon/blob/main/docs/alerting.md#${runbookAnchor(alert.name)}`,
      );
      assert.ok(anchors.has(runbookAnchor(alert.name)), `${alert.name} has a runbook heading`);
    }
  });

  it("names the public rule set's alert where the name differs, so runbooks found online apply", () => {
    const section = renderRunbooks(alerts.filter((a) => a.name === "NodeOomKillDetected"));
    assert.match(section, /awesome-prometheus-alerts calls it `HostOomKillDetected`\./);
    const same = renderRunbooks(alerts.filter((a) => a.name === "NodeFilesystemAlmostOutOfSpace"));
    assert.match(same, /Same name in node-mixin\./);
    assert.match(
      same,
      /\*\*critical\*\*: free space below 3%, for 30m; \*\*warning\*\*: free space below 5%, for 30m/,
    );
  });

  it("alerting.runbook_url moves every link to a copy of the page, and the rules carry it", () => {
    const config = parseStackConfig(
      "alerting:\n  runbook_url: https://wiki.example.com/ops/alerts\n",
      "stackmon.yml",
      {},
    );
    const state = renderStack(config, { root: "", platform: "systemd" });
    const rules = state.files.find((f) => f.path === "/etc/prometheus/rules/stackmon-node.yml");
    assert.ok(rules && typeof rules.content === "string");
    assert.match(
      rules.content,
      /runbook_url: https:\/\/wiki\.example\.com\/ops\/alerts#nodefilesystemalmostoutofspace/,
    );
  });
});

// Every rendered config passes the real validators: promtool, amtool, blackbox --config.check.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, describe, it } from "node:test";
import { writeWorkTree } from "../../src/host/supervisor/workDir.js";
import { validateTree } from "../../src/host/validateTree.js";
import { parseStackConfig, renderStack } from "../../src/stack.js";
import { tempDir } from "../helpers/stackmon.js";

const FULL = `
global: {hostname: web1, external_labels: {env: prod}}
prometheus: {retention: 30d, external_url: "https://prom.example.com"}
exporters:
  node: {scrape_interval: 1m, scrape_timeout: 20s}
  mysql: {enabled: true, password_env: MYSQL_EXPORTER_PASSWORD}
  blackbox:
    targets:
      - {url: "https://shop.example.com", name: shop}
      - {url: "http://intranet.example.com/health"}
    tcp_targets: [{address: "db.example.com:5432"}]
    icmp_targets: [{host: gateway.example.com}]
`;

describe("rendered configs pass the real validators", () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  for (const [name, text] of [
    ["defaults", ""],
    ["a full config", FULL],
  ] as const) {
    it(`${name}: promtool check config, amtool check-config, blackbox --config.check`, () => {
      const root = tempDir("stackmon-validate-");
      dirs.push(root);
      const state = renderStack(parseStackConfig(text, "stackmon.yml", {}), { root, platform: "supervisor" });
      writeWorkTree(root, state, { MYSQL_EXPORTER_PASSWORD: "not-a-real-password" });
      const validated = state.files.filter((f) => f.validate).map((f) => f.validate?.binary.name);
      assert.ok(validated.includes("promtool") && validated.includes("amtool"), "both tools are asked");
      assert.ok(validated.includes("prometheus-blackbox-exporter"));
      assert.deepEqual(validateTree(root, state), []);
    });
  }

  it("a broken config is caught by the real tool, with its message", () => {
    const root = tempDir("stackmon-validate-");
    dirs.push(root);
    const state = renderStack(parseStackConfig("", "stackmon.yml", {}), { root, platform: "supervisor" });
    const broken = {
      ...state,
      files: state.files.map((f) =>
        f.path === "/etc/prometheus/prometheus.yml"
          ? { ...f, content: "global:\n  scrape_interval: not-a-duration\n" }
          : f,
      ),
    };
    writeWorkTree(root, broken, {});
    const failures = validateTree(root, broken);
    assert.equal(failures.length, 1);
    assert.equal(failures[0]?.tool, "promtool");
    assert.match(failures[0]?.output ?? "", /not-a-duration/);
  });
});

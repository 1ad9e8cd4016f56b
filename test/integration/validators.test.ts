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

/** Every remote_write key stackmon renders, as Prometheus 2.42's promtool must accept them. */
const REMOTE_WRITE = `
global: {hostname: web1}
prometheus:
  remote_write:
    - url: https://vm.example.com:8428/api/v1/write
      remote_timeout: 1m
      basic_auth: {username: stackmon, password_env: VM_PASSWORD}
      tls: {ca_file: /etc/ssl/vm-ca.crt, cert_file: /etc/ssl/c.crt, key_file: /etc/ssl/c.key, server_name: vm, insecure_skip_verify: false}
      queue: {capacity: 10000, max_shards: 10, min_shards: 2, max_samples_per_send: 2000, batch_send_deadline: 5s, min_backoff: 30ms, max_backoff: 5s, retry_on_http_429: true}
      write_relabel_configs:
        - {action: drop, source_labels: [__name__], regex: "go_.*"}
        - {action: labeldrop, regex: replica}
        - {action: hashmod, source_labels: [instance], modulus: 4, target_label: __tmp_shard}
        - {action: keepequal, source_labels: [job], target_label: job}
    - {url: "https://mimir.example.com/api/v1/push", name: mimir, bearer_token_env: MIMIR_TOKEN}
`;

describe("rendered configs pass the real validators", () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  for (const [name, text] of [
    ["defaults", ""],
    ["a full config", FULL],
    ["remote_write with every key", REMOTE_WRITE],
  ] as const) {
    it(`${name}: promtool check config, amtool check-config, blackbox --config.check`, () => {
      const root = tempDir("stackmon-validate-");
      dirs.push(root);
      const state = renderStack(parseStackConfig(text, "stackmon.yml", {}), { root, platform: "supervisor" });
      writeWorkTree(root, state, {
        MYSQL_EXPORTER_PASSWORD: "not-a-real-password",
        VM_PASSWORD: "not-a-real-password",
        MIMIR_TOKEN: "not-a-real-token",
      });
      const validated = state.files.filter((f) => f.validate).map((f) => f.validate?.binary.name);
      assert.ok(validated.includes("promtool") && validated.includes("amtool"), "both tools are asked");
      assert.ok(validated.includes("prometheus-blackbox-exporter"));
      assert.deepEqual(validateTree(root, state), []);
    });
  }

  it("a relabel regex that is not RE2 (a lookahead) is caught by promtool, with its message", () => {
    const root = tempDir("stackmon-validate-");
    dirs.push(root);
    const text =
      'prometheus:\n  remote_write:\n    - url: https://vm.example.com/api/v1/write\n      write_relabel_configs: [{action: drop, source_labels: [job], regex: "(?=x)"}]\n';
    const state = renderStack(parseStackConfig(text, "stackmon.yml", {}), { root, platform: "supervisor" });
    writeWorkTree(root, state, {});
    const failures = validateTree(root, state);
    assert.equal(failures.length, 1);
    assert.equal(failures[0]?.tool, "promtool");
    assert.match(
      failures[0]?.output ?? "",
      /error parsing regexp: invalid or unsupported Perl syntax: `\(\?=`/,
    );
  });

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

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { configProblems as problems } from "../../../test/helpers/configProblems.js";
import { maskedText } from "../../render/fileContent.js";
import type { DesiredState } from "../../render/desiredState.js";
import { HOST_TARGET, parseStackConfig, renderStack } from "../../stack.js";

function rendered(text: string): DesiredState {
  return renderStack(parseStackConfig(text, "stackmon.yml", {}), HOST_TARGET);
}

interface RemoteWriteYaml {
  url: string;
  name: string;
  basic_auth?: { username: string; password_file: string };
  authorization?: { type: string; credentials_file: string };
  tls_config?: Record<string, unknown>;
  queue_config?: Record<string, unknown>;
  write_relabel_configs?: Record<string, unknown>[];
  remote_timeout?: string;
}

function remoteWrites(state: DesiredState): RemoteWriteYaml[] {
  const file = state.files.find((f) => f.path === "/etc/prometheus/prometheus.yml");
  assert.ok(file);
  return (parse(maskedText(file.content)) as { remote_write?: RemoteWriteYaml[] }).remote_write ?? [];
}

const CONFIG = `
global: {hostname: web1}
prometheus:
  remote_write:
    - url: https://vm.example.com:8428/api/v1/write
      remote_timeout: 1m
      basic_auth: {username: stackmon, password_file: /etc/stackmon/secrets/vm.password}
      tls: {ca_file: /etc/ssl/vm-ca.crt, cert_file: /etc/ssl/client.crt, key_file: /etc/ssl/client.key}
      queue: {capacity: 10000, max_shards: 10, min_shards: 2, max_samples_per_send: 2000, batch_send_deadline: 5s, min_backoff: 30ms, max_backoff: 5s, retry_on_http_429: true}
      write_relabel_configs:
        - {action: drop, source_labels: [__name__], regex: "go_.*"}
    - url: https://mimir.example.com/api/v1/push
      name: mimir
      bearer_token_env: MIMIR_TOKEN
`;

describe("prometheus.remote_write", () => {
  it("renders each receiver in Prometheus's keys, secrets as file references", () => {
    const [vm, mimir] = remoteWrites(rendered(CONFIG));
    assert.deepEqual(vm, {
      url: "https://vm.example.com:8428/api/v1/write",
      name: "vm.example.com:8428",
      remote_timeout: "1m",
      basic_auth: {
        username: "stackmon",
        password_file: "/etc/prometheus/secrets/remote-write/vm.example.com_8428.password",
      },
      tls_config: {
        ca_file: "/etc/ssl/vm-ca.crt",
        cert_file: "/etc/ssl/client.crt",
        key_file: "/etc/ssl/client.key",
      },
      queue_config: {
        capacity: 10000,
        max_shards: 10,
        min_shards: 2,
        max_samples_per_send: 2000,
        batch_send_deadline: "5s",
        min_backoff: "30ms",
        max_backoff: "5s",
        retry_on_http_429: true,
      },
      write_relabel_configs: [{ action: "drop", source_labels: ["__name__"], regex: "go_.*" }],
    });
    assert.deepEqual(mimir, {
      url: "https://mimir.example.com/api/v1/push",
      name: "mimir",
      authorization: { type: "Bearer", credentials_file: "/etc/prometheus/secrets/remote-write/mimir.token" },
    });
  });

  it("gives Prometheus its own 0640 root:prometheus copy of each secret, never the value in the config", () => {
    const state = rendered(CONFIG);
    const copies = state.files.filter((f) => f.path.startsWith("/etc/prometheus/secrets/remote-write/"));
    assert.deepEqual(
      copies.map((f) => [f.path, f.mode.toString(8), `${f.owner}:${f.group}`, maskedText(f.content)]),
      [
        [
          "/etc/prometheus/secrets/remote-write/mimir.token",
          "640",
          "root:prometheus",
          "<secret: prometheus.remote_write.1.bearer_token_env ($MIMIR_TOKEN)>",
        ],
        [
          "/etc/prometheus/secrets/remote-write/vm.example.com_8428.password",
          "640",
          "root:prometheus",
          "<secret: prometheus.remote_write.0.basic_auth.password_file (/etc/stackmon/secrets/vm.password)>",
        ],
      ],
    );
    assert.ok(
      copies.every((f) => f.consumers.some((c) => c.service === "prometheus" && c.onChange === "reload")),
    );
    const dir = state.directories.find((d) => d.path === "/etc/prometheus/secrets/remote-write");
    assert.deepEqual(dir, {
      path: "/etc/prometheus/secrets/remote-write",
      mode: 0o750,
      owner: "root",
      group: "prometheus",
    });
  });

  it("renders no remote_write, and no secrets directory for it, when there is none", () => {
    const state = rendered("global: {hostname: web1}\n");
    assert.deepEqual(remoteWrites(state), []);
    assert.ok(!state.directories.some((d) => d.path.includes("remote-write")));
  });

  it("refuses credentials over plain http to another host, at the url", () => {
    const text =
      "prometheus:\n  remote_write:\n    - url: http://vm.example.com:8428/api/v1/write\n      bearer_token_file: /etc/t\n";
    assert.deepEqual(problems(text), [
      "stackmon.yml:3:12: prometheus.remote_write[0].url: is plain http to another host: its credentials would cross the network unencrypted",
    ]);
  });

  it("allows plain http on loopback, where nothing crosses the network", () => {
    const text =
      "prometheus:\n  remote_write:\n    - url: http://127.0.0.1:8428/api/v1/write\n      basic_auth: {username: u, password_env: P}\n";
    assert.equal(remoteWrites(rendered(text))[0]?.basic_auth?.username, "u");
  });

  it("refuses credentials written into the URL", () => {
    const found = problems(
      "prometheus:\n  remote_write:\n    - url: https://u:hunter2@vm.example.com/api/v1/write\n",
    );
    assert.deepEqual(found, [
      "stackmon.yml:3:12: prometheus.remote_write[0].url: holds credentials: give them as basic_auth with password_file or password_env",
    ]);
  });

  it("refuses an inline password, both kinds of auth, and two receivers with one name, each at its key", () => {
    const text = [
      "prometheus:",
      "  remote_write:",
      "    - url: https://a.example.com/write",
      "      basic_auth: {username: u, password: hunter2}",
      "    - url: https://b.example.com/write",
      "      basic_auth: {username: u, password_file: /etc/p}",
      "      bearer_token_env: TOKEN",
      "    - url: https://b.example.com/other",
      "",
    ].join("\n");
    const found = problems(text);
    assert.deepEqual(found, [
      "stackmon.yml:4:19: prometheus.remote_write[0].basic_auth: set exactly one of password_file and password_env",
      "stackmon.yml:4:33: prometheus.remote_write[0].basic_auth.password: unknown key (secrets are never written inline: use password_file (a path) or password_env (a variable name))",
      "stackmon.yml:6:19: prometheus.remote_write[1].basic_auth: set either basic_auth or a bearer token, not both",
      'stackmon.yml:8:12: prometheus.remote_write[2].url: goes by the name "b.example.com" like remote_write[1]: give each one its own name',
    ]);
  });

  it("refuses queue and relabel settings Prometheus would not take, at their keys", () => {
    const text = [
      "prometheus:",
      "  remote_write:",
      "    - url: https://a.example.com/write",
      "      queue: {min_shards: 5, max_shards: 2, sample_age_limit: 1h}",
      "      write_relabel_configs:",
      "        - {action: hashmod, source_labels: [instance]}",
      "        - {action: labeldrop, regex: replica, target_label: x}",
      "        - {action: explode}",
      "",
    ].join("\n");
    const found = problems(text);
    assert.deepEqual(
      found.map((p) => p.replace(/ \(.*$/, "")),
      [
        "stackmon.yml:4:27: prometheus.remote_write[0].queue.min_shards: is more than max_shards",
        "stackmon.yml:4:45: prometheus.remote_write[0].queue.sample_age_limit: unknown key",
        "stackmon.yml:6:11: prometheus.remote_write[0].write_relabel_configs[0].target_label: action hashmod needs target_label",
        "stackmon.yml:6:11: prometheus.remote_write[0].write_relabel_configs[0].modulus: action hashmod needs modulus",
        "stackmon.yml:7:61: prometheus.remote_write[0].write_relabel_configs[1].target_label: action labeldrop works on label names only: leave target_label out",
        'stackmon.yml:8:20: prometheus.remote_write[0].write_relabel_configs[2].action: Invalid option: expected one of "replace"|"keep"|"drop"|"keepequal"|"dropequal"|"hashmod"|"labelmap"|"labeldrop"|"labelkeep"|"lowercase"|"uppercase"',
      ],
    );
  });

  it("keeps the names stackmon gives its own remote writes for itself", () => {
    const [problem] = problems(
      "prometheus:\n  remote_write:\n    - {url: https://a.example.com/write, name: stackmon-storage}\n",
    );
    assert.match(problem ?? "", /remote_write\[0\]\.name: names starting with stackmon- are stackmon's own/);
  });
});

// Alertmanager as a member of a cluster: its gossip flags, the mutual TLS it gossips over, and
// a gossip port beyond loopback refused without it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { ConfigError } from "../../config/configError.js";
import { HOST_TARGET, parseStackConfig, renderStack } from "../../stack.js";

const member = (cluster: string) => `alertmanager:\n  cluster: ${cluster}\n`;

describe("an Alertmanager cluster member", () => {
  it("is a single node with no gossip port unless a cluster is set", () => {
    const state = renderStack(parseStackConfig("{}"), HOST_TARGET);
    const args = state.services.find((s) => s.id === "alertmanager")?.args ?? [];
    assert.ok(args.includes("--cluster.listen-address="));
  });

  it("gossips with its peers over mutual TLS checked against the CA", () => {
    const state = renderStack(
      parseStackConfig(
        member(
          "{listen_address: '10.0.0.5:9094', peers: ['10.0.0.6:9094'], tls: {cert_file: /etc/tls/am.crt, key_file: /etc/tls/am.key, ca_file: /etc/tls/ca.crt}}",
        ),
      ),
      HOST_TARGET,
    );
    const args = state.services.find((s) => s.id === "alertmanager")?.args ?? [];
    assert.deepEqual(
      args.filter((a) => a.startsWith("--cluster.")),
      [
        "--cluster.listen-address=10.0.0.5:9094",
        "--cluster.advertise-address=10.0.0.5:9094",
        "--cluster.peer=10.0.0.6:9094",
        "--cluster.tls-config=/etc/alertmanager/cluster-tls.yml",
      ],
    );
    const tls = state.files.find((f) => f.path === "/etc/alertmanager/cluster-tls.yml");
    assert.deepEqual(parse(typeof tls?.content === "string" ? tls.content : ""), {
      tls_server_config: {
        cert_file: "/etc/tls/am.crt",
        key_file: "/etc/tls/am.key",
        client_ca_file: "/etc/tls/ca.crt",
        client_auth_type: "RequireAndVerifyClientCert",
      },
      tls_client_config: {
        cert_file: "/etc/tls/am.crt",
        key_file: "/etc/tls/am.key",
        ca_file: "/etc/tls/ca.crt",
      },
    });
  });

  it("refuses gossip beyond loopback without TLS", () => {
    assert.throws(
      () => parseStackConfig(member("{listen_address: '10.0.0.5:9094', peers: ['10.0.0.6:9094']}")),
      (error: unknown) =>
        error instanceof ConfigError &&
        /alertmanager\.cluster\.tls: the cluster listens on 10\.0\.0\.5, beyond this host, so its gossip needs tls/.test(
          error.describe(),
        ),
    );
  });
});

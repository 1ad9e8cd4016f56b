import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exposureProblem, formatListen, isLoopback, parseListen, reachableAddress } from "./schemaParts.js";

describe("listen addresses", () => {
  it("parses IPv4, IPv6 and names", () => {
    assert.deepEqual(parseListen("127.0.0.1:9100"), { host: "127.0.0.1", port: 9100 });
    assert.deepEqual(parseListen("[::1]:9100"), { host: "::1", port: 9100 });
    assert.deepEqual(parseListen("localhost:3000"), { host: "localhost", port: 3000 });
    for (const bad of ["9100", ":9100", "host:", "host:70000", "::1:9100", "a b:1"])
      assert.equal(parseListen(bad), undefined, bad);
  });

  it("formats IPv6 in brackets and reaches a wildcard bind through loopback", () => {
    assert.equal(formatListen({ host: "::1", port: 1 }), "[::1]:1");
    assert.equal(reachableAddress({ host: "0.0.0.0", port: 9100 }), "127.0.0.1:9100");
    assert.equal(reachableAddress({ host: "::", port: 9100 }), "[::1]:9100");
  });

  it("knows loopback", () => {
    assert.ok(
      isLoopback("127.0.0.1") && isLoopback("127.1.2.3") && isLoopback("::1") && isLoopback("localhost"),
    );
    assert.ok(!isLoopback("0.0.0.0") && !isLoopback("10.0.0.1"));
  });

  it("requires TLS and basic auth beyond loopback", () => {
    assert.equal(exposureProblem("127.0.0.1:9100", {}), undefined);
    assert.match(exposureProblem("0.0.0.0:9100", {}) ?? "", /needs web\.tls and web\.basic_auth/);
    const web = {
      tls: { cert_file: "/c", key_file: "/k" },
      basic_auth: { username: "u", password_file: "/p", password_env: undefined },
    };
    assert.equal(exposureProblem("0.0.0.0:9100", web), undefined);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareVersions, satisfiesMinimum, upstreamVersion, versionFromOutput } from "./version.js";

describe("package versions", () => {
  it("strips the epoch and Debian's repack and revision suffixes", () => {
    assert.equal(upstreamVersion("2.42.0+ds-5+deb12u1"), "2.42.0");
    assert.equal(upstreamVersion("1:10.11.6-0+deb12u1"), "10.11.6");
    assert.equal(upstreamVersion("1.5.0"), "1.5.0");
  });

  it("compares numerically, component by component", () => {
    assert.ok(compareVersions("2.42.0+ds-5", "2.9.0") > 0, "42 > 9, not as strings");
    assert.ok(compareVersions("0.14.0-1", "0.15.1") < 0);
    assert.equal(compareVersions("1.5", "1.5.0"), 0);
  });

  it("a minimum is met by an equal or newer version", () => {
    assert.ok(satisfiesMinimum("2.42.0+ds-5+b5", "2.42.0"));
    assert.ok(!satisfiesMinimum("2.33.5+ds1-2", "2.42.0"));
    assert.ok(satisfiesMinimum("0.1", undefined));
  });

  it("reads the version a Prometheus binary prints", () => {
    assert.equal(
      versionFromOutput(
        "node_exporter, version 1.8.2 (branch: HEAD, revision: f1e0e8360aa60b6cb5e5cc1560bed348fc2c1895)",
      ),
      "1.8.2",
    );
    assert.equal(versionFromOutput("prometheus, version 2.42.0+ds (branch: debian/sid)"), "2.42.0");
    assert.equal(versionFromOutput("no version here"), undefined);
  });

  it("reads the build tag a VictoriaMetrics release prints (lib/buildinfo: app-date-time-tags-vX.Y.Z-n-ghash)", () => {
    assert.equal(
      versionFromOutput("victoria-metrics-20230812-121414-tags-v1.79.14-0-gd6a3ae1a0a\n"),
      "1.79.14",
    );
    assert.equal(
      versionFromOutput("victoria-metrics-20230812-121414-heads-lts-1.79-0-gd6a3ae1a0a"),
      undefined,
    );
  });
});

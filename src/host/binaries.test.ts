import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BinarySpec } from "../render/desiredState.js";
import { installHint, resolveBinary } from "./binaries.js";

const missing: BinarySpec = {
  name: "prometheus-imaginary-exporter",
  paths: ["/nonexistent/bin/prometheus-imaginary-exporter"],
  packages: { apt: "prometheus-imaginary-exporter", dnf: "imaginary-exporter" },
};

describe("finding binaries", () => {
  it("finds a binary at a known path, then on $PATH by name", () => {
    assert.deepEqual(resolveBinary({ ...missing, paths: ["/bin/sh"] }), {
      command: "/bin/sh",
      prefixArgs: [],
    });
    assert.deepEqual(resolveBinary({ ...missing, paths: ["/nonexistent/sh"] }, "/usr/bin:/bin"), {
      command: "/usr/bin/sh",
      prefixArgs: [],
    });
  });

  it("says when a binary is missing, and which Debian package provides it", () => {
    assert.equal(resolveBinary(missing, "/usr/bin"), undefined);
    assert.equal(
      installHint(missing),
      "install the Debian package: sudo apt-get install prometheus-imaginary-exporter",
    );
  });

  it("runs stackmon's own exporters with this Node.js", () => {
    const resolved = resolveBinary({ ...missing, nodeEntry: "cli/main" });
    assert.equal(resolved?.command, process.execPath);
    assert.match(resolved?.prefixArgs.at(-1) ?? "", /cli\/main\.(ts|js)$/);
  });
});

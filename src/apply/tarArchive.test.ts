import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { readTarGz } from "./tarArchive.js";

describe("reading a release tarball", () => {
  it("finds every file GNU tar packed, long names included", () => {
    const dir = mkdtempSync(join(tmpdir(), "stackmon-tar-"));
    try {
      const top = "node_exporter-1.8.2.linux-amd64";
      const deep = `${top}/${"d".repeat(90)}/${"e".repeat(40)}`;
      mkdirSync(join(dir, deep), { recursive: true });
      writeFileSync(join(dir, top, "node_exporter"), "#!/bin/sh\necho binary\n", { mode: 0o755 });
      writeFileSync(join(dir, top, "LICENSE"), "Apache-2.0\n".repeat(100));
      writeFileSync(join(dir, deep, "x"), "deep");
      const result = spawnSync("tar", ["-czf", "r.tar.gz", top], { cwd: dir });
      assert.equal(result.status, 0);
      const files = readTarGz(readFileSync(join(dir, "r.tar.gz")));
      assert.equal(files.get(`${top}/node_exporter`)?.toString(), "#!/bin/sh\necho binary\n");
      assert.equal(files.get(`${top}/LICENSE`)?.length, 1100);
      assert.equal(files.get(`${deep}/x`)?.toString(), "deep");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Directories apply creates: only the directory itself gets its restrictive mode; the parents it
// has to create are 0755 root:root, so a service can reach its own config below them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeHost } from "../host/fakeHost.js";
import { binariesOf } from "../plan/binarySources.js";
import { HOST_TARGET, parseStackConfig, renderStack } from "../stack.js";
import { apply } from "./apply.js";
import { fakeApplyOptions } from "./testing.js";

const CONFIG = `grafana: {enabled: false}
exporters:
  node:
    web:
      basic_auth: {username: prometheus, password_file: /etc/stackmon/secrets/node.password}
`;

/** A host without a package manager that has every program the stack runs already. */
function hostWithPrograms(): FakeHost {
  const host = new FakeHost({ manager: null });
  const state = renderStack(parseStackConfig(CONFIG, "stackmon.yml", {}), HOST_TARGET);
  for (const spec of binariesOf(state)) {
    const path = spec.paths[0];
    if (path && spec.nodeEntry === undefined)
      host.writeFileNow(path, `${spec.name}, version 99.0.0`, { mode: 0o755, owner: "root", group: "root" });
  }
  return host;
}

describe("directories apply creates", () => {
  it("get their own mode while the parents apply creates are 0755 root:root", async () => {
    // The FakeHost's ensureDirectory, like mkdirSync(path, { recursive: true, mode }), gives
    // missing parents the directory's mode: apply has to create them itself.
    const host = hostWithPrograms();
    const result = await apply(fakeApplyOptions(host, CONFIG));
    assert.deepEqual(result.failures, []);
    assert.deepEqual(host.fs.get("/etc/stackmon/node-exporter")?.ownership, {
      mode: 0o750,
      owner: "root",
      group: "node-exporter",
    });
    assert.deepEqual(host.fs.get("/etc/stackmon")?.ownership, { mode: 0o755, owner: "root", group: "root" });
  });

  it("leave parents that exist as they are", async () => {
    const host = hostWithPrograms();
    host.fs.set("/etc/stackmon", {
      kind: "directory",
      content: Buffer.alloc(0),
      ownership: { mode: 0o711, owner: "root", group: "root" },
    });
    await apply(fakeApplyOptions(host, CONFIG));
    assert.equal(host.fs.get("/etc/stackmon")?.ownership.mode, 0o711);
  });
});

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { packageRootOf } from "./packageRoot.js";

describe("packageRootOf", () => {
  it("finds the package.json above a module however deep it sits (dist/, dist/cli/, src/lib/)", () => {
    const root = mkdtempSync(join(tmpdir(), "stackmon-package-root-"));
    try {
      writeFileSync(join(root, "package.json"), "{}");
      mkdirSync(join(root, "dist", "cli"), { recursive: true });
      const moduleIn = (...path: string[]) => pathToFileURL(join(root, ...path)).href;
      assert.equal(packageRootOf(moduleIn("dist", "cli", "chunk-ABC.js")), root);
      assert.equal(packageRootOf(moduleIn("dist", "stack.js")), root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("refuses a module with no package.json above it", () => {
    assert.throws(() => packageRootOf("file:///no-package-here/dist/cli/main.js"), /no package\.json above/);
  });
});

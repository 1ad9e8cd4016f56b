import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { unifiedDiff } from "./unifiedDiff.js";

const labels = { before: "a/f", after: "b/f" };

/** Applies a unified diff to `before` (the reverse of what it describes), to check it round-trips. */
function patch(before: string, diff: string): string {
  const source = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const out: string[] = [];
  let cursor = 0;
  for (const line of diff.split("\n").slice(2)) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$/.exec(line);
    if (header) {
      const count = header[2] === undefined ? 1 : Number(header[2]);
      const start = count === 0 ? Number(header[1]) : Number(header[1]) - 1;
      while (cursor < start) out.push(source[cursor++] ?? "");
      continue;
    }
    if (line.startsWith("\\")) continue;
    if (line.startsWith(" ")) {
      out.push(line.slice(1));
      cursor++;
    } else if (line.startsWith("-")) cursor++;
    else if (line.startsWith("+")) out.push(line.slice(1));
  }
  while (cursor < source.length) out.push(source[cursor++] ?? "");
  return out.length ? `${out.join("\n")}\n` : "";
}

describe("unified diff", () => {
  it("equal texts give no diff", () => {
    assert.equal(unifiedDiff("a\nb\n", "a\nb\n", labels), "");
  });

  it("one changed line among many shows three lines of context", () => {
    const before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
    const after = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
    assert.equal(
      unifiedDiff(before, after, labels),
      ["--- a/f", "+++ b/f", "@@ -2,7 +2,7 @@", " 2", " 3", " 4", "-5", "+five", " 6", " 7", " 8"].join("\n"),
    );
  });

  it("a new file is all additions from line 0", () => {
    assert.equal(
      unifiedDiff("", "x\ny\n", { before: "/dev/null", after: "b/f" }),
      "--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+x\n+y",
    );
  });

  it("agrees with GNU diff -u on the hunks it prints", () => {
    const dir = mkdtempSync(join(tmpdir(), "stackmon-diff-"));
    try {
      const before = "global:\n  a: 1\n  b: 2\nscrape:\n  - x\n  - y\n  - z\nend\n";
      const after = "global:\n  a: 1\n  b: 3\nscrape:\n  - x\n  - z\n  - w\nend\nmore\n";
      writeFileSync(join(dir, "a"), before);
      writeFileSync(join(dir, "b"), after);
      const gnu = spawnSync("diff", ["-u", "a", "b"], { cwd: dir, encoding: "utf8" }).stdout;
      const ours = unifiedDiff(before, after, { before: "a", after: "b" });
      const hunks = (text: string) =>
        text.split("\n").filter((l) => !l.startsWith("---") && !l.startsWith("+++"));
      assert.deepEqual(hunks(ours), hunks(gnu.trimEnd()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("applying the diff to the old text gives the new text (property)", () => {
    const lines = fc.array(fc.constantFrom("a", "b", "c", "d", "e"), { maxLength: 30 });
    fc.assert(
      fc.property(lines, lines, (x, y) => {
        const before = x.length ? `${x.join("\n")}\n` : "";
        const after = y.length ? `${y.join("\n")}\n` : "";
        const diff = unifiedDiff(before, after, labels);
        assert.equal(diff === "" ? before : patch(before, diff), after);
      }),
      { numRuns: 300 },
    );
  });
});

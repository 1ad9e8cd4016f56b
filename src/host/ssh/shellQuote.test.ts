import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import fc from "fast-check";
import { shellCommandLine, shellQuote } from "./shellQuote.js";

/** What a real POSIX shell hands a program for this command line: its argv, NUL-separated. */
function argvThroughShell(words: readonly string[]): string[] {
  // A first word of our own: printf with no arguments would still print its format once.
  const line = shellCommandLine(["printf", "%s\\0", "argv:", ...words]);
  const result = spawnSync("/bin/sh", ["-c", line], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.split("\0").slice(1, -1);
}

const HOSTILE = [
  "",
  "two words",
  "it's",
  '"double"',
  "$HOME",
  "${PATH}",
  "$(touch /tmp/stackmon-quote-pwned)",
  "`touch /tmp/stackmon-quote-pwned`",
  "a;touch /tmp/stackmon-quote-pwned",
  "line one\nline two",
  "\n",
  "tab\there",
  "back\\slash",
  "'",
  "''",
  "\\'",
  "*",
  "~",
  "~root",
  "-n",
  "--",
  "a|b&c>d<e",
  "#comment",
  "FOO=bar",
  "!history",
  "{a,b}",
  "ünïcødé ✓",
  "\u0007bell\u001b[31m",
];

describe("shell quoting for the remote command line", () => {
  it("hostile words reach the program exactly as given", () => {
    assert.deepEqual(argvThroughShell(HOSTILE), HOSTILE);
  });

  it("any text without NUL reaches the program exactly as given", () => {
    // Any code point; well-formed, since argv travels as UTF-8, which has no lone surrogates.
    const word = fc
      .string({ unit: "binary" })
      .filter((s) => !s.includes("\0") && Buffer.from(s).toString() === s);
    fc.assert(
      fc.property(fc.array(word), (words) => assert.deepEqual(argvThroughShell(words), words)),
      { numRuns: 100 },
    );
  });

  it("an assignment-looking first word is the program, not an assignment", () => {
    const result = spawnSync("/bin/sh", ["-c", shellCommandLine(["FOO=bar"])], { encoding: "utf8" });
    assert.equal(result.status, 127, "the shell looked for a program named FOO=bar");
  });

  it("plain words stay readable; everything else is single-quoted", () => {
    assert.equal(
      shellCommandLine(["systemctl", "show", "--property=A,B", "x.service"]),
      "systemctl show '--property=A,B' x.service",
    );
    assert.equal(shellQuote("/etc/prometheus/prometheus.yml"), "/etc/prometheus/prometheus.yml");
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(shellQuote(""), "''");
  });

  it("a NUL character is refused rather than cut off", () => {
    assert.throws(() => shellQuote("a\0b"), /NUL/);
  });
});

// Log lines stay one line each and readable whatever a request put into a value.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatLogLine } from "./log.js";

const at = new Date("2025-01-01T00:00:00Z");

describe("log lines", () => {
  it("leave plain values bare and quote values with spaces, quotes or =", () => {
    assert.equal(
      formatLogLine("info", "report accepted", { backup: "nightly", result: "a b", n: 3 }, at),
      'ts=2025-01-01T00:00:00.000Z level=info msg="report accepted" backup=nightly result="a b" n=3',
    );
  });

  it("escape control and invisible characters, so a value can neither forge a line nor hide text", () => {
    const line = formatLogLine(
      "warn",
      "report rejected",
      {
        forged: 'x\nts=2025 level=info msg="all good"',
        terminal: "\u001b[2Jcleared",
        nul: "a\u0000b",
        del: "a\u007fb",
        c1: "a\u009bb",
        bidi: "abc\u202edef",
        astral: "\u{E0001}tag",
      },
      at,
    );
    assert.equal(line.split("\n").length, 1);
    assert.doesNotMatch(line, /\p{C}/u, "no control or formatting character is left raw");
    assert.match(line, / forged="x\\nts=2025 level=info msg=\\"all good\\""/);
    assert.match(line, / terminal="\\u001b\[2Jcleared"/);
    assert.match(line, / del="a\\u007fb" c1="a\\u009bb" bidi="abc\\u202edef"/);
    assert.match(line, / astral="\\udb40\\udc01tag"/);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseEnvFile } from "./supervisor.js";
import { envQuoted } from "../../render/fileContent.js";

describe("env files", () => {
  it("reads KEY=VALUE lines as systemd does, skipping comments and blanks", () => {
    assert.deepEqual(parseEnvFile('# secrets\nA=1\n\nB="two words"\nnot a line\nC=\n'), {
      A: "1",
      B: "two words",
      C: "",
    });
  });

  it("reads back every value an env-quoted secret is written as, quotes, backslashes and dollars included", () => {
    const secret = { kind: "env" as const, name: "P", configKey: "storage.web.basic_auth.password_env" };
    for (const value of [
      'a"b',
      "back\\slash\\",
      "$HOME and ${X}",
      "`id`",
      "  spaced  ",
      "#not-a-comment",
      "plain",
    ]) {
      assert.deepEqual(parseEnvFile(`P=${envQuoted(value, secret)}\n`), { P: value });
    }
  });

  it("refuses a secret with a line break, which would end the value early", () => {
    const secret = { kind: "env" as const, name: "P", configKey: "storage.web.basic_auth.password_env" };
    assert.throws(
      () => envQuoted("one\ntwo", secret),
      /storage\.web\.basic_auth\.password_env \(\$P\): a line break/,
    );
  });
});

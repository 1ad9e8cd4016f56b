import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseEnvFile } from "./supervisor.js";

describe("env files", () => {
  it("reads KEY=VALUE lines as systemd does, skipping comments and blanks", () => {
    assert.deepEqual(parseEnvFile('# secrets\nA=1\n\nB="two words"\nnot a line\nC=\n'), {
      A: "1",
      B: "two words",
      C: "",
    });
  });
});

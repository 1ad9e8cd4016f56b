import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { remoteCommandLine } from "./sshCommands.js";

const HOSTILE = ["two words", "it's", "$HOME", "$(id)", "`id`", "a;b", "line\nbreak", "", "-n", "*", "~"];

describe("remote command lines", () => {
  it("the program gets exactly its arguments, in a C locale, with the environment given", () => {
    const line = remoteCommandLine("sh", ["-c", 'printf "%s\\0" "$LC_ALL" "$MODE" "$@"', "sh", ...HOSTILE], {
      sudo: false,
      env: { MODE: "a value; with $things" },
    });
    const result = spawnSync("/bin/sh", ["-c", line], {
      encoding: "utf8",
      env: { PATH: process.env["PATH"] },
    });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(result.stdout.split("\0").slice(0, -1), ["C", "a value; with $things", ...HOSTILE]);
  });

  it("a login that is not root goes through sudo -n, never a prompt", () => {
    assert.equal(
      remoteCommandLine("systemctl", ["restart", "prometheus.service"], { sudo: true }),
      "sudo -n -- env 'LC_ALL=C' systemctl restart prometheus.service",
    );
    assert.equal(remoteCommandLine("id", [], { sudo: false }), "env 'LC_ALL=C' id");
  });

  it("an environment name that is not one is refused", () => {
    assert.throws(
      () => remoteCommandLine("id", [], { sudo: false, env: { "A=B": "x" } }),
      /not an environment variable name/,
    );
    assert.throws(
      () => remoteCommandLine("id", [], { sudo: false, env: { "$(id)": "x" } }),
      /not an environment variable name/,
    );
  });
});

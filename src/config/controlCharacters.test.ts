import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseStackConfig } from "../stack.js";
import { ConfigError, formatIssue } from "./configError.js";

function problems(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseStackConfig(text, "stackmon.yml", env);
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues.map(formatIssue);
  }
}

describe("control characters in stackmon.yml", () => {
  it("are refused in values, with file:line:col, the key and the character", () => {
    assert.deepEqual(problems('global:\n  hostname: "web1\\nfoo: bar"\n'), [
      "stackmon.yml:2:13: global.hostname: holds a control character (U+000A) at character 5 (rendered configs and logs would carry it; remove it)",
    ]);
    const [blackbox] = problems(
      'exporters:\n  blackbox:\n    targets: [{url: "https://shop.example.com/\\e[2J"}]\n',
    );
    assert.match(
      blackbox ?? "",
      /^stackmon\.yml:3:21: exporters\.blackbox\.targets\[0\]\.url: holds a control character \(U\+001B\)/,
    );
  });

  it("are refused in keys, in what a variable brings in, and as invisible direction overrides", () => {
    assert.match(
      problems('global:\n  external_labels:\n    "te\\tam": ops\n')[0] ?? "",
      /^stackmon\.yml:3:5: global\.external_labels: a key holds a control character \(U\+0009\)/,
    );
    assert.match(
      problems("global:\n  hostname: ${HOST}\n", { HOST: "web1\r\nX-Injected: 1" })[0] ?? "",
      /^stackmon\.yml:2:13: global\.hostname: holds a control character \(U\+000D\)/,
    );
    assert.match(
      problems(
        'exporters:\n  duplicati:\n    enabled: true\n    token_file: /t\n    backups: [{name: "nightly\\u202Eexe.gpj", max_age: 26h}]\n',
      )[0] ?? "",
      /exporters\.duplicati\.backups\[0\]\.name: holds a control character \(U\+202E\)/,
    );
  });

  it("are fine in comments, and ordinary text passes", () => {
    assert.deepEqual(problems("# a comment\twith a tab\nglobal:\n  hostname: web1 # café ✓\n"), []);
  });
});

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { readSecret } from "./secrets.js";

describe("reading a secret", () => {
  const dir = mkdtempSync(join(tmpdir(), "stackmon-secret-"));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return { kind: "file" as const, path: join(dir, name), configKey: "exporters.mysql.password_file" };
  };

  it("takes a certificate or key as it is, lines and all, and refuses what is not PEM", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAK\n-----END CERTIFICATE-----\n";
    assert.equal(readSecret({ ...file("cert", pem), pem: true }), pem);
    assert.throws(
      () => readSecret({ ...file("not-pem", "hello\nworld\n"), pem: true }),
      /is not a PEM certificate or key/,
    );
  });

  it("takes one final newline off, LF or CRLF", () => {
    assert.equal(readSecret(file("lf", "s3cret\n")), "s3cret");
    assert.equal(readSecret(file("crlf", "s3cret\r\n")), "s3cret");
    rmSync(join(dir, "lf"));
  });

  it("refuses a control character inside, naming the file and the character, never the secret", () => {
    for (const [name, text, code] of [
      ["two-lines", "s3cret\nhost=evil\n", "U+000A"],
      ["nul", "s3c\u0000ret", "U+0000"],
      ["escape", "s3cret\u001b[2J", "U+001B"],
    ] as const) {
      assert.throws(
        () => readSecret(file(name, text)),
        (error: Error) =>
          error.message.includes(`secret file ${join(dir, name)} holds a control character (${code})`) &&
          !error.message.includes("s3c"),
      );
    }
    assert.throws(
      () =>
        readSecret(
          { kind: "env", name: "HOOK", configKey: "alerting.mattermost.webhook_url_env" },
          { HOOK: "https://x\n" },
        ),
      /environment variable HOOK holds a control character \(U\+000A\)/,
    );
    rmSync(dir, { recursive: true, force: true });
  });
});

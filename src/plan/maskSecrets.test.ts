import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FileContent } from "../render/desiredState.js";
import { maskedText } from "../render/fileContent.js";
import { changedSecrets, maskCurrentText } from "./maskSecrets.js";

const secret = {
  kind: "file",
  path: "/etc/stackmon/secrets/db.password",
  configKey: "exporters.mysql.password_file",
} as const;
const content: FileContent = {
  template: ["[client]\nuser=exporter\npassword=", { secret, as: "raw" }, "\nport=3306\n"],
};

describe("masking a file's current secrets", () => {
  it("a file in the template's shape shows markers where its secrets are", () => {
    const current = "[client]\nuser=exporter\npassword=hunter2\nport=3306\n";
    const masked = maskCurrentText(current, content, maskedText(content));
    assert.ok(!masked.includes("hunter2"));
    assert.equal(masked, maskedText(content));
  });

  it("a file in another shape withholds every line the new text lacks", () => {
    const current = "[client]\nuser=exporter\npassword=hunter2\nport=3307\nsecret_elsewhere hunter3\n";
    const masked = maskCurrentText(current, content, maskedText(content));
    assert.ok(!masked.includes("hunter2") && !masked.includes("hunter3"));
    assert.equal(masked.match(/line withheld/g)?.length, 3);
    assert.match(masked, /^\[client\]$/m, "lines the new text also has stay readable");
  });

  it("a hand-edited secret is withheld however it is written", () => {
    // Neither the template's "password=" nor the value stackmon would write: no pattern finds it.
    for (const edit of ["password = handmade-1", "PASSWORD=handmade-1", "# old: handmade-1", "handmade-1"]) {
      const current = `[client]\nuser=exporter\n${edit}\nport=3306\nsocket=/run/mysqld.sock\n`;
      const masked = maskCurrentText(current, content, maskedText(content));
      assert.ok(!masked.includes("handmade-1"), `${edit} → ${masked}`);
    }
  });

  it("a bcrypt hash in an older shape is withheld too", () => {
    const hash = `$2b$10$${"a".repeat(53)}`;
    const web: FileContent = { template: ["users:\n  admin: ", { secret, as: "bcrypt" }, "\n"] };
    const masked = maskCurrentText(`basic_auth_users:\n  admin: ${hash}\n`, web, maskedText(web));
    assert.ok(!masked.includes(hash));
  });

  it("names the secret that changed, never its value", () => {
    const before = "[client]\nuser=exporter\npassword=old\nport=3306\n";
    const after = "[client]\nuser=exporter\npassword=new\nport=3306\n";
    assert.deepEqual(changedSecrets(before, after, content), [
      "exporters.mysql.password_file (/etc/stackmon/secrets/db.password)",
    ]);
    assert.deepEqual(changedSecrets(after, after, content), []);
  });

  it("plain text is shown as it is", () => {
    assert.equal(maskCurrentText("a: 1\n", "a: 2\n", "a: 2\n"), "a: 1\n");
  });
});

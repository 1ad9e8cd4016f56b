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

  it("a file in an older shape withholds the lines that may hold a secret", () => {
    const current = "[client]\nuser=exporter\npassword=hunter2\nport=3307\nsecret_elsewhere hunter3\n";
    const masked = maskCurrentText(current, content, maskedText(content), ["hunter3"]);
    assert.ok(!masked.includes("hunter2") && !masked.includes("hunter3"));
    assert.equal(masked.match(/line withheld/g)?.length, 2);
    assert.match(masked, /^\[client\]$/m, "lines the new text also has stay readable");
    assert.match(masked, /^port=3307$/m, "a changed line that cannot hold a secret stays readable");
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

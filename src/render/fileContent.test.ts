import assert from "node:assert/strict";
import { describe, it } from "node:test";
import bcrypt from "bcryptjs";
import type { FileContent, SecretRef } from "./desiredState.js";
import { maskedText, resolvedText } from "./fileContent.js";

const secret: SecretRef = {
  kind: "file",
  path: "/etc/secret",
  configKey: "exporters.node.web.basic_auth.password_file",
};
const webConfig: FileContent = { template: ["basic_auth_users:\n  prom: ", { secret, as: "bcrypt" }, "\n"] };

describe("file content with secrets", () => {
  it("masks secrets with where they come from", () => {
    assert.equal(
      maskedText({ template: ["password=", { secret, as: "raw" }] }),
      "password=<secret: exporters.node.web.basic_auth.password_file (/etc/secret)>",
    );
  });

  it("fills raw secrets in", () => {
    assert.equal(
      resolvedText({ template: ["password=", { secret, as: "raw" }] }, () => "s3cret"),
      "password=s3cret",
    );
  });

  it("hashes bcrypt parts, and keeps the previous hash while it still matches so re-apply is a no-op", () => {
    const first = resolvedText(webConfig, () => "s3cret");
    const hash = /prom: (\S+)/.exec(first)?.[1] ?? "";
    assert.ok(bcrypt.compareSync("s3cret", hash));
    assert.equal(
      resolvedText(webConfig, () => "s3cret", first),
      first,
    );
    const changed = resolvedText(webConfig, () => "other", first);
    assert.notEqual(changed, first);
    assert.ok(bcrypt.compareSync("other", /prom: (\S+)/.exec(changed)?.[1] ?? ""));
  });
});

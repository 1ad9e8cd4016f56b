import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allPassed, concluded, formatChecks, settled, type Check } from "./verify.js";

const ok: Check = { check: "service prometheus.service", status: "ok", detail: "active" };
const pending: Check = { check: "target duplicati web1", status: "pending", detail: "not scraped yet" };
const failed: Check = { check: "target node web1", status: "fail", detail: "down: connection refused" };

describe("verify's verdict", () => {
  it("a pending check keeps --wait waiting but is no failure once the wait is over", () => {
    assert.equal(settled([ok, pending]), false);
    assert.equal(allPassed([ok, pending]), true);
    assert.deepEqual(
      concluded([ok, pending]).map((c) => c.status),
      ["ok", "skip"],
    );
  });

  it("a failed check fails the verdict and is counted in the table", () => {
    assert.equal(allPassed([ok, failed]), false);
    const table = formatChecks([ok, failed]);
    assert.match(table, /^CHECK\s+STATUS\s+DETAIL$/m);
    assert.match(table, /^target node web1\s+FAIL\s+down: connection refused$/m);
    assert.match(table, /1 of 2 checks failed\./);
  });
});

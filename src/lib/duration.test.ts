import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatDuration, parseDuration } from "./duration.js";

describe("Prometheus durations", () => {
  it("parses compound durations to milliseconds", () => {
    assert.equal(parseDuration("15s"), 15_000);
    assert.equal(parseDuration("1h30m"), 5_400_000);
    assert.equal(parseDuration("15d"), 15 * 86_400_000);
    assert.equal(parseDuration("500ms"), 500);
    assert.equal(parseDuration("0"), 0);
  });

  it("rejects what Prometheus rejects", () => {
    for (const bad of ["", "15", "1.5h", "15 s", "m", "30m1h", "-5m"])
      assert.equal(parseDuration(bad), undefined, bad);
  });

  it("formats back to the shortest form", () => {
    assert.equal(formatDuration(5_400_000), "1h30m");
    assert.equal(formatDuration(86_400_000 + 1000), "1d1s");
    assert.equal(formatDuration(0), "0s");
  });
});

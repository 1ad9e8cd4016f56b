import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { remoteWriteVerdict } from "./remoteWrite.js";

const queue = { name: "stackmon-storage from mon1", url: "https://10.0.0.9:8428/api/v1/write", refused: 0 };
const NOW = 1_800_000_000;

describe("verify: samples arrive where Prometheus writes them", () => {
  it("is ok when the receiver holds samples a few seconds old and refused none", () => {
    assert.deepEqual(remoteWriteVerdict({ ...queue, sentTimestamp: NOW - 4 }, NOW, 3600), {
      check: "remote write stackmon-storage from mon1",
      status: "ok",
      detail: "samples arrive at https://10.0.0.9:8428/api/v1/write (4 s behind)",
    });
  });

  it("fails when the receiver is minutes behind", () => {
    const verdict = remoteWriteVerdict({ ...queue, sentTimestamp: NOW - 600 }, NOW, 3600);
    assert.deepEqual(
      [verdict.status, verdict.detail],
      ["fail", "https://10.0.0.9:8428/api/v1/write is 600 s behind"],
    );
  });

  it("fails when the receiver refused samples lately, however fresh the rest", () => {
    const verdict = remoteWriteVerdict({ ...queue, sentTimestamp: NOW - 1, refused: 250 }, NOW, 3600);
    assert.deepEqual(
      [verdict.status, verdict.detail],
      ["fail", "https://10.0.0.9:8428/api/v1/write refused 250 samples in the last 5 minutes"],
    );
  });

  it("waits for a first answer just after Prometheus started, and fails when none came", () => {
    assert.equal(remoteWriteVerdict(queue, NOW, 30).status, "pending");
    const verdict = remoteWriteVerdict(queue, NOW, 600);
    assert.deepEqual(
      [verdict.status, verdict.detail],
      ["fail", "https://10.0.0.9:8428/api/v1/write has answered no request since Prometheus started"],
    );
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { notificationCounters } from "./notifications.js";

describe("Alertmanager's notification counters", () => {
  it("sums failures over reasons (newer Alertmanagers) per integration", () => {
    const exposition = [
      'alertmanager_notifications_total{integration="slack"} 12',
      'alertmanager_notifications_failed_total{integration="slack",reason="clientError"} 3',
      'alertmanager_notifications_failed_total{integration="slack",reason="serverError"} 1',
      'alertmanager_notifications_total{integration="email"} 0',
    ].join("\n");
    assert.deepEqual(notificationCounters(exposition), [
      { integration: "email", sent: 0, failed: 0 },
      { integration: "slack", sent: 12, failed: 4 },
    ]);
  });
});

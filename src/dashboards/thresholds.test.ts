import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ResolvedAlert } from "../alerting/alertRule.js";
import { alertThreshold, highIsBad, lowIsBad } from "./thresholds.js";

function alert(
  name: string,
  value: number,
  unit: NonNullable<ResolvedAlert["threshold"]>["unit"],
  severity: ResolvedAlert["severity"] = "warning",
): ResolvedAlert {
  return {
    name,
    component: "test",
    componentTitle: "Test",
    severity,
    for: "5m",
    threshold: { value, unit, min: 0, max: 1000, reads: "above" },
    expr: "vector(1)",
    summary: "",
    description: "",
    runbook: "https://example.com/runbooks#test",
    enabled: true,
    tests: { fires: { series: [], evalMinutes: 1 } },
  };
}

describe("alertThreshold", () => {
  const ref = { alert: "DiskFull", unit: "percent", fallback: 5 } as const;

  it("is the catalog's effective threshold when the alert is there", () => {
    assert.equal(alertThreshold([alert("DiskFull", 8, "percent")], ref), 8);
  });

  it("is the documented default while the alert is missing or disabled", () => {
    assert.equal(alertThreshold([alert("Other", 8, "percent")], ref), 5);
    assert.equal(alertThreshold([], ref), 5);
  });

  it("picks the variant of the severity it names", () => {
    const alerts = [alert("DiskFull", 5, "percent", "warning"), alert("DiskFull", 3, "percent", "critical")];
    assert.equal(alertThreshold(alerts, { ...ref, severity: "critical" }), 3);
    assert.equal(alertThreshold(alerts, { ...ref, severity: "warning" }), 5);
  });

  it("converts a ratio to percent and seconds to days", () => {
    assert.equal(alertThreshold([alert("DiskFull", 0.08, "ratio")], ref), 8);
    assert.equal(
      alertThreshold([alert("CertExpiring", 86_400 * 3, "seconds")], {
        alert: "CertExpiring",
        unit: "days",
        fallback: 21,
      }),
      3,
    );
  });

  it("refuses a catalog unit the panel cannot show", () => {
    assert.throws(() => alertThreshold([alert("DiskFull", 8, "bytes")], ref), /threshold in bytes/);
  });
});

describe("threshold steps", () => {
  it("go green, orange, red upwards for a value bad when high", () => {
    assert.deepEqual(highIsBad({ warning: 80, critical: 90 }).build().steps, [
      { value: null, color: "green" },
      { value: 80, color: "orange" },
      { value: 90, color: "red" },
    ]);
  });

  it("go red, orange, green upwards for a value bad when low", () => {
    assert.deepEqual(lowIsBad({ critical: 3, warning: 21 }).build().steps, [
      { value: null, color: "red" },
      { value: 3, color: "orange" },
      { value: 21, color: "green" },
    ]);
    assert.deepEqual(lowIsBad({ critical: 99.9 }).build().steps, [
      { value: null, color: "red" },
      { value: 99.9, color: "green" },
    ]);
  });
});

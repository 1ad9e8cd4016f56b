import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ioMetricsOf, MAX_IO_NAME_LENGTH, unitConversion, converted } from "./ioMetrics.js";

const inBaseUnit = (value: number, unit: unknown) => {
  const conversion = unitConversion(unit);
  return { family: conversion.family, value: converted(value, conversion) };
};

describe("@pm2/io units", () => {
  it("converts durations to seconds, exactly as printed", () => {
    assert.deepEqual(inBaseUnit(0.97, "ms"), { family: "seconds", value: 0.00097 });
    assert.deepEqual(inBaseUnit(250, "µs"), { family: "seconds", value: 0.00025 });
    assert.deepEqual(inBaseUnit(250, "μs"), { family: "seconds", value: 0.00025 });
    assert.deepEqual(inBaseUnit(3, "ns"), { family: "seconds", value: 3e-9 });
    assert.deepEqual(inBaseUnit(2, " Min "), { family: "seconds", value: 120 });
    assert.deepEqual(inBaseUnit(1.5, "h"), { family: "seconds", value: 5400 });
  });

  it("converts sizes to bytes, reading kb and MB as @pm2/io writes them (binary)", () => {
    assert.deepEqual(inBaseUnit(12.5, "MiB"), { family: "bytes", value: 13107200 });
    assert.deepEqual(inBaseUnit(2, "kb"), { family: "bytes", value: 2048 });
    assert.deepEqual(inBaseUnit(1, "GB"), { family: "bytes", value: 1024 ** 3 });
  });

  it("turns percentages into ratios and rates into per second", () => {
    assert.deepEqual(inBaseUnit(80.79, "%"), { family: "ratio", value: 0.8079 });
    assert.deepEqual(inBaseUnit(120, "req/min"), { family: "per_second", value: 2 });
    assert.deepEqual(inBaseUnit(3, "ops/s"), { family: "per_second", value: 3 });
    assert.deepEqual(inBaseUnit(2, "/ms"), { family: "per_second", value: 2000 });
    assert.deepEqual(inBaseUnit(1.5, "kb/s"), { family: "bytes_per_second", value: 1536 });
    assert.deepEqual(inBaseUnit(60, "MB/min"), { family: "bytes_per_second", value: 1024 ** 2 });
  });

  it("keeps a value as published when the unit says nothing it can convert", () => {
    for (const unit of [undefined, null, 42, "", "users", "req/fortnight", "°C"])
      assert.deepEqual(inBaseUnit(7, unit), { family: "plain", value: 7 }, String(unit));
  });
});

describe("the @pm2/io metrics of a process", () => {
  it("exports numbers and numeric strings, skips what is not a number", () => {
    const { metrics, dropped } = ioMetricsOf(
      {
        "Realtime users": { value: 42 },
        "Query time": { value: "14.50", unit: "ms" },
        Version: { value: "2.1.0-beta" },
        Enabled: { value: true },
        Empty: { value: "" },
        Nothing: { value: null },
        Infinite: { value: "Infinity" },
        NotAnEntry: 3,
        "": { value: 1 },
      },
      50,
    );
    assert.deepEqual(metrics, [
      { name: "Query time", family: "seconds", value: 0.0145 },
      { name: "Realtime users", family: "plain", value: 42 },
    ]);
    assert.equal(dropped, 0);
  });

  it("keeps names as they are: quotes, backslashes, line feeds and non-ASCII", () => {
    const name = 'Nutzer "aktiv" \\ Zähler\n✓';
    assert.deepEqual(ioMetricsOf({ [name]: { value: 1 } }, 50).metrics, [
      { name, family: "plain", value: 1 },
    ]);
  });

  it("caps the metrics per process, always keeping the same ones, and counts the rest", () => {
    const monitor = Object.fromEntries(
      ["e", "a", "d", "b", "c"].map((name) => [name, { value: 1 }] as const),
    );
    const { metrics, dropped } = ioMetricsOf(monitor, 3);
    assert.deepEqual(
      metrics.map((m) => m.name),
      ["a", "b", "c"],
    );
    assert.equal(dropped, 2);
  });

  it("drops and counts a name too long to be a label", () => {
    const long = "x".repeat(MAX_IO_NAME_LENGTH + 1);
    const { metrics, dropped } = ioMetricsOf({ [long]: { value: 1 }, ok: { value: 2 } }, 50);
    assert.deepEqual(
      metrics.map((m) => m.name),
      ["ok"],
    );
    assert.equal(dropped, 1);
  });

  it("leaves out the names it is told to (built-ins with families of their own)", () => {
    const { metrics } = ioMetricsOf(
      { "Heap Size": { value: 1, unit: "MiB" }, mine: { value: 2 } },
      50,
      new Set(["Heap Size"]),
    );
    assert.deepEqual(
      metrics.map((m) => m.name),
      ["mine"],
    );
  });

  it("has nothing for a process without @pm2/io", () => {
    assert.deepEqual(ioMetricsOf(undefined, 50), { metrics: [], dropped: 0 });
    assert.deepEqual(ioMetricsOf([1, 2], 50), { metrics: [], dropped: 0 });
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { escapeLabelValue, ExpositionWriter, formatValue, labelPairs } from "./exposition.js";

describe("writing the text exposition format", () => {
  it("escapes backslash, double quote and line feed in label values, and nothing else", () => {
    assert.equal(escapeLabelValue('say "hi" \\ bye\nnext'), 'say \\"hi\\" \\\\ bye\\nnext');
    assert.equal(escapeLabelValue("Zähler ✓ 😀\ttab"), "Zähler ✓ 😀\ttab");
    // A backslash before an n is a backslash and an n, not a line feed.
    assert.equal(escapeLabelValue("C:\\new"), "C:\\\\new");
  });

  it("renders label pairs in the order given", () => {
    assert.equal(labelPairs({ name: 'a"b', pm_id: "0" }), 'name="a\\"b",pm_id="0"');
    assert.equal(labelPairs({}), "");
  });

  it("spells infinities and NaN as Prometheus reads them", () => {
    assert.deepEqual([Infinity, -Infinity, NaN, 1e21, 0.00097, -0].map(formatValue), [
      "+Inf",
      "-Inf",
      "NaN",
      "1e+21",
      "0.00097",
      "0",
    ]);
  });

  it("writes HELP (escaped), TYPE, then samples", () => {
    const text = new ExpositionWriter()
      .family("x_total", "counter", "counts \\ things\nwell")
      .sample("x_total", 'a="1"', 2)
      .family("y", "gauge", "plain")
      .sample("y", "", 0.5)
      .text();
    assert.equal(
      text,
      '# HELP x_total counts \\\\ things\\nwell\n# TYPE x_total counter\nx_total{a="1"} 2\n# HELP y plain\n# TYPE y gauge\ny 0.5\n',
    );
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { interpolate, regexEscapeForPromql, selectorsOf, variablesIn } from "./promql.js";

describe("selectorsOf", () => {
  it("reads a selector's metric, matchers, range and enclosing function", () => {
    assert.deepEqual(
      selectorsOf('rate(node_cpu_seconds_total{job="node", mode!="idle"}[$__rate_interval])'),
      [
        {
          metric: "node_cpu_seconds_total",
          matchers: [
            { label: "job", op: "=", value: "node" },
            { label: "mode", op: "!=", value: "idle" },
          ],
          range: "$__rate_interval",
          enclosingFunction: "rate",
        },
      ],
    );
  });

  it("skips label lists of by, without, on and group_left, and aggregations written before them", () => {
    const selectors = selectorsOf(
      'sum by (instance, mode) (rate(a{job="x"}[5m])) / on(instance) group_left(name) count without (cpu) (b{job="x"})',
    );
    assert.deepEqual(
      selectors.map((s) => [s.metric, s.enclosingFunction]),
      [
        ["a", "rate"],
        ["b", "count"],
      ],
    );
  });

  it("finds bare metric names, selectors without a name, and skips keywords and numbers", () => {
    const selectors = selectorsOf(
      'up == 0 or {__name__=~"x|y", job="j"} and bool 1e3 offset 5m unless vector(0)',
    );
    assert.deepEqual(
      selectors.map((s) => s.metric ?? "{}"),
      ["up", "{}"],
    );
  });

  it("does not take strings or label_replace arguments for selectors", () => {
    const selectors = selectorsOf('label_replace(up{job="a"}, "dst", "$1", "src", "(.*)")');
    assert.equal(selectors.length, 1);
    assert.equal(selectors[0]?.metric, "up");
  });

  it("refuses text it cannot read", () => {
    assert.throws(() => selectorsOf('up{job="a"'), /unterminated/);
    assert.throws(() => selectorsOf("up{job=a}"), /cannot read the matchers/);
  });
});

describe("variablesIn", () => {
  it("finds $name, ${name} and ${name:format}, once each", () => {
    assert.deepEqual(variablesIn('x{a=~"$instance", b="${site}", c="${site:regex}"}[$__rate_interval]'), [
      "instance",
      "site",
      "__rate_interval",
    ]);
  });
});

describe("interpolate", () => {
  it("puts a plain value in as it is, as Grafana does for built-in intervals", () => {
    assert.equal(interpolate("rate(x[$__rate_interval])", { __rate_interval: "10s" }), "rate(x[10s])");
  });

  it("escapes a selection for a regex matcher and joins several as alternatives", () => {
    assert.equal(interpolate('x{i=~"$instance"}', { instance: ["web1"] }), 'x{i=~"web1"}');
    assert.equal(
      interpolate('x{i=~"${instance}"}', { instance: ["a.example.com", "b"] }),
      'x{i=~"(a\\\\.example\\\\.com|b)"}',
    );
  });

  it("leaves variables it has no value for", () => {
    assert.equal(interpolate('x{i=~"$other"}', { instance: ["a"] }), 'x{i=~"$other"}');
  });

  it("escapes every regex metacharacter so the value matches only itself", () => {
    const value = "https://shop.example.com/a?b=(c)|d*+$^[]{}'";
    const escaped = regexEscapeForPromql(value);
    // What PromQL's double-quoted string hands to the regex engine: one backslash per escape.
    const regex = new RegExp(`^${escaped.replace(/\\\\/g, "\\")}$`);
    assert.ok(regex.test(value));
    assert.ok(!regex.test(value.replace(".", "x")));
  });
});

// A stackmon.yml that would make the loader crash or work for minutes ends as one clear error
// naming the file: aliases that expand without end, absurd nesting, a huge file, a flood of keys.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configProblems } from "../../test/helpers/configProblems.js";
import { UserError } from "./configError.js";
import { parseStackConfig } from "../stack.js";
import { YAML_LIMITS } from "./yamlLimits.js";

/** The one-line message a limit produces, as the CLI prints it. */
function refusal(text: string): string {
  try {
    parseStackConfig(text, "stackmon.yml", {});
  } catch (error) {
    assert.ok(error instanceof UserError, `a UserError, not ${String(error)}`);
    return error.message;
  }
  return assert.fail("expected the config to be refused");
}

/** "Billion laughs": nine levels of nine aliases each, 9^9 strings once expanded. */
const ALIAS_BOMB = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
  .concat(
    "bcdefghi".split("").map((name, i) => {
      const previous = "abcdefghi"[i] ?? "a";
      return `${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]`;
    }),
  )
  .join("\n");

describe("limits on what stackmon.yml may make the loader do", () => {
  it("refuses aliases that expand without end, naming the file", () => {
    assert.equal(
      refusal(ALIAS_BOMB),
      "stackmon.yml: its aliases expand to more than 100 times what they refer to (an alias bomb?)",
    );
  });

  it("takes an alias used a few times (YAML's way to repeat a block)", () => {
    const config = parseStackConfig(
      "global: {hostname: web1, external_labels: &labels {env: prod}}\nexporters:\n  node:\n    enabled: true\n",
      "stackmon.yml",
      {},
    );
    assert.deepEqual(config.global.external_labels, { env: "prod" });
  });

  it("refuses nesting deeper than the limit, flow or block, however deep", () => {
    const flow = (depth: number) => `global: ${"[".repeat(depth)}${"]".repeat(depth)}\n`;
    const block = (depth: number) =>
      Array.from({ length: depth }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n") + " 1\n";
    for (const text of [flow(YAML_LIMITS.depth + 1), flow(20_000), block(YAML_LIMITS.depth + 1)])
      assert.equal(refusal(text), `stackmon.yml: nests deeper than ${YAML_LIMITS.depth} levels`);
  });

  it("refuses a file larger than the limit before parsing it", () => {
    const huge = `global: {hostname: web1}\n# ${"x".repeat(YAML_LIMITS.bytes)}\n`;
    assert.equal(refusal(huge), "stackmon.yml: is 1.0 MiB, more than the 1.0 MiB a config may be");
  });

  it("refuses more keys and list items than the limit, even in a small file", () => {
    const flood = `global: {external_labels: {${Array.from({ length: YAML_LIMITS.entries + 1 }, (_, i) => `k${i}: v`).join(", ")}}}\n`;
    assert.ok(Buffer.byteLength(flood) < YAML_LIMITS.bytes);
    assert.equal(refusal(flood), `stackmon.yml: has more than ${YAML_LIMITS.entries} keys and list items`);
  });

  it("still places each of thousands of problems at its own line", () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `    NoSuchAlert${i}: {enabled: false}`);
    const found = configProblems(`alerting:\n  rules:\n${keys.join("\n")}\n`);
    assert.equal(found.length, 3000);
    assert.match(found[0] ?? "", /^stackmon\.yml:3:5: alerting\.rules\.NoSuchAlert0: unknown key/);
    assert.match(found[2999] ?? "", /^stackmon\.yml:3002:5: alerting\.rules\.NoSuchAlert2999: unknown key/);
  });

  it("still finds a key written twice, at its second place", () => {
    assert.deepEqual(configProblems("global:\n  hostname: a\n  scrape_interval: 15s\n  hostname: b\n"), [
      "stackmon.yml:4:3: (root): Map keys must be unique",
    ]);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { compilePicks, JsonShapeError, pickArray, valueEnd } from "./pickJson.js";
import { parsePm2Entry, PM2_ENTRY_PICKS } from "./parsePm2List.js";

const bytesOf = (value: unknown) => Buffer.from(JSON.stringify(value));

/** Strings that stress a skipper: quotes, backslashes, brackets, escapes, non-ASCII. */
const awkwardString = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom('"', "\\", '\\"', "\\\\", '}"', "]", "{[", "\n", "\u0000", "Zähler ✓", "😀", "\ud800"),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    awkwardString,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(awkwardString, tie("value"), { maxKeys: 4 }),
  ),
})).value;

describe("reading picked keys from JSON bytes", () => {
  it("finds where any JSON value ends", () => {
    fc.assert(
      fc.property(json, (value) => {
        const bytes = Buffer.from(`${JSON.stringify(value)},`);
        assert.equal(valueEnd(bytes, 0), bytes.length - 1);
      }),
    );
  });

  it("gives exactly what JSON.parse gives for the picked keys, whatever surrounds them", () => {
    const picks = { name: true, deep: { keep: true } } as const;
    const compiled = compilePicks(picks);
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(awkwardString, json, { maxKeys: 6 }), { maxLength: 5 }),
        json,
        json,
        (others, name, keep) => {
          const list = others.map((o) => ({ ...o, name, deep: { ...o, keep }, after: o }));
          const expected = JSON.parse(JSON.stringify(list)) as Record<string, unknown>[];
          const picked = pickArray(bytesOf(list), 0, compiled);
          assert.deepEqual(
            picked,
            expected.map((e) => ({
              name: e["name"],
              deep: { keep: (e["deep"] as Record<string, unknown>)["keep"] },
            })),
          );
        },
      ),
    );
  });

  it("lets the last of duplicate keys win, as JSON.parse does", () => {
    const bytes = Buffer.from('[{"name":"first","name":"second"}]');
    assert.deepEqual(pickArray(bytes, 0, compilePicks({ name: true })), [{ name: "second" }]);
  });

  it("never takes a key inside a string or a nested object for a picked one", () => {
    const bytes = bytesOf([{ other: '"name":"wrong"', env: { name: "wrong" }, name: "right" }]);
    assert.deepEqual(pickArray(bytes, 0, compilePicks({ name: true })), [{ name: "right" }]);
  });

  it("rejects a text cut short instead of reading past it", () => {
    const text = JSON.stringify([{ name: 'a\\"b', pm2_env: { status: "online", env: { A: "}]" } } }]);
    for (let cut = 1; cut < text.length; cut++) {
      assert.throws(
        () => pickArray(Buffer.from(text.slice(0, cut)), 0, compilePicks(PM2_ENTRY_PICKS)),
        (e: unknown) => e instanceof JsonShapeError || e instanceof SyntaxError,
        `cut at ${cut}`,
      );
    }
  });

  it("refuses to pick a key that JSON.stringify would escape", () => {
    assert.throws(() => compilePicks({ 'a"b': true }), /would be escaped/);
  });
});

describe("PM2's entries read through the picks", () => {
  it("parse exactly as the whole entries do: the picks hold every key parsePm2Entry reads", () => {
    const env = fc.record(
      {
        name: fc.string(),
        pm_id: fc.integer({ min: 0, max: 1000 }),
        namespace: fc.string(),
        exec_mode: fc.constantFrom("fork_mode", "cluster_mode"),
        status: fc.constantFrom("online", "stopped", "errored"),
        pm_uptime: fc.integer({ min: 0 }),
        restart_time: fc.nat(),
        unstable_restarts: fc.nat(),
        prev_restart_delay: fc.nat(),
        version: fc.string(),
        exec_interpreter: fc.string(),
        node_version: fc.string(),
        axm_monitor: fc.dictionary(awkwardString, fc.record({ value: json, unit: fc.string() }), {
          maxKeys: 5,
        }),
        env: fc.dictionary(awkwardString, awkwardString),
        SECRET: awkwardString,
      },
      { requiredKeys: [] },
    );
    const entry = fc.record(
      {
        name: fc.string(),
        pm_id: fc.integer({ min: 0, max: 1000 }),
        pid: fc.nat(),
        monit: json,
        pm2_env: env,
      },
      { requiredKeys: [] },
    );
    const picks = compilePicks(PM2_ENTRY_PICKS);
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 4 }), (list) => {
        const whole = (JSON.parse(JSON.stringify(list)) as unknown[]).map((e) => parsePm2Entry(e));
        const picked = pickArray(bytesOf(list), 0, picks).map((e) => parsePm2Entry(e));
        assert.deepEqual(picked, whole);
      }),
    );
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UserError } from "../config/configError.js";
import { findSilence } from "./findSilence.js";
import { formatSilences, relativeTime } from "./formatSilences.js";
import type { Silence } from "./silenceApi.js";
import { fromApiMatcher, postableSilence, silenceMatchers, toApiMatcher } from "./silenceRequest.js";

const KNOWN = { hosts: ["db1", "db2", "web1"], inventory: true, alerts: ["NodeDown", "MysqlDown"] };
const NOW = new Date("2025-06-01T12:00:00Z");

const refused = (work: () => unknown): string => {
  try {
    work();
  } catch (error) {
    if (error instanceof UserError) return error.describe();
    throw error;
  }
  assert.fail("expected a refusal");
};

describe("silence add's request", () => {
  it("makes --host a matcher on instance and --alert one on alertname; several of one flag are any", () => {
    assert.deepEqual(silenceMatchers({ hosts: ["db1"], alerts: [], matchers: [] }, KNOWN), [
      { label: "instance", op: "=", value: "db1" },
    ]);
    assert.deepEqual(
      silenceMatchers(
        { hosts: ["db2", "db1"], alerts: ["MysqlDown"], matchers: ["mountpoint=~/var.*"] },
        KNOWN,
      ),
      [
        { label: "instance", op: "=~", value: "db1|db2" },
        { label: "alertname", op: "=", value: "MysqlDown" },
        { label: "mountpoint", op: "=~", value: "/var.*" },
      ],
    );
  });

  it("refuses a host outside the inventory and an unknown alert, saying which exist", () => {
    assert.match(
      refused(() => silenceMatchers({ hosts: ["db3"], alerts: [], matchers: [] }, KNOWN)),
      /^--host: no host db3 in the inventory\nhint: hosts: db1, db2, web1/,
    );
    assert.match(
      refused(() =>
        silenceMatchers(
          { hosts: ["other"], alerts: [], matchers: [] },
          { ...KNOWN, hosts: ["here"], inventory: false },
        ),
      ),
      /^--host: other is not this machine \(here\), and there is no inventory/,
    );
    assert.match(
      refused(() => silenceMatchers({ hosts: [], alerts: ["NodeDwn"], matchers: [] }, KNOWN)),
      /^--alert: no alert NodeDwn\nhint: "stackmon alerts" lists every alert name/,
    );
  });

  it("refuses nothing to match, a bad matcher, and matchers that would silence everything", () => {
    assert.match(
      refused(() => silenceMatchers({ hosts: [], alerts: [], matchers: [] }, KNOWN)),
      /say what to silence/,
    );
    assert.match(
      refused(() => silenceMatchers({ hosts: [], alerts: [], matchers: ["db1"] }, KNOWN)),
      /^--matcher: "db1" is not a matcher/,
    );
    assert.match(
      refused(() => silenceMatchers({ hosts: [], alerts: [], matchers: ["team=~.*", "x!=y"] }, KNOWN)),
      /would also match alerts without these labels: it would silence everything/,
    );
  });

  it("writes matchers as the API takes them and reads them back", () => {
    for (const op of ["=", "!=", "=~", "!~"] as const) {
      const matcher = { label: "a", op, value: "b" };
      assert.deepEqual(fromApiMatcher(toApiMatcher(matcher)), matcher);
    }
    assert.deepEqual(fromApiMatcher({ name: "a", value: "b", isRegex: false }), {
      label: "a",
      op: "=",
      value: "b",
    });
  });

  it("starts now and ends after --for, with a comment and an author", () => {
    const silence = postableSilence({
      matchers: [{ label: "instance", op: "=", value: "db1" }],
      durationMs: 2 * 3_600_000,
      comment: "  disk swap ",
      author: "alice",
      now: NOW,
    });
    assert.deepEqual(silence, {
      matchers: [{ name: "instance", value: "db1", isRegex: false, isEqual: true }],
      startsAt: "2025-06-01T12:00:00.000Z",
      endsAt: "2025-06-01T14:00:00.000Z",
      createdBy: "alice",
      comment: "disk swap",
    });
    const base = { matchers: [], comment: "x", author: "a", now: NOW };
    assert.match(
      refused(() => postableSilence({ ...base, durationMs: 0 })),
      /^--for: a silence lasts more than 0s/,
    );
    assert.match(
      refused(() => postableSilence({ ...base, durationMs: 400 * 86_400_000 })),
      /at most a year/,
    );
    assert.match(
      refused(() => postableSilence({ ...base, durationMs: 60_000, comment: " " })),
      /^--comment: say why/,
    );
  });
});

const silence = (id: string, state: string, extra: Partial<Silence> = {}): Silence => ({
  id,
  status: { state },
  matchers: [{ name: "instance", value: "db1", isRegex: false, isEqual: true }],
  startsAt: "2025-06-01T11:00:00Z",
  endsAt: "2025-06-01T13:30:00Z",
  createdBy: "alice",
  comment: "disk swap",
  ...extra,
});

describe("silence list and expire", () => {
  const A = "3f2a9c1e-0000-4000-8000-000000000001";
  const B = "3f2a9c1e-0000-4000-8000-000000000002";
  const C = "7b000000-0000-4000-8000-000000000003";

  it("finds a silence by its id or a unique beginning, preferring one not yet expired", () => {
    const silences = [silence(A, "expired"), silence(B, "active"), silence(C, "active")];
    assert.equal(findSilence(silences, A).id, A);
    assert.equal(findSilence(silences, "7b00").id, C);
    assert.equal(findSilence(silences, "3f2a9c1e").id, B, "the expired one does not count");
    assert.match(
      refused(() => findSilence([silence(A, "active"), silence(B, "active")], "3f2a")),
      /begins 2 silences/,
    );
    assert.match(
      refused(() => findSilence(silences, "ffff")),
      /^no silence ffff/,
    );
    assert.match(
      refused(() => findSilence(silences, "../../x")),
      /^no silence/,
    );
  });

  it("shows each silence's matchers, end, how many alerts it holds back, and escapes what people wrote", () => {
    const table = formatSilences(
      [
        silence(A, "active", { comment: "red\u001b[31m\u202e" }),
        silence(C, "expired", { endsAt: "2025-06-01T10:30:00Z" }),
      ],
      [{ labels: { alertname: "NodeDown" }, status: { state: "suppressed", silencedBy: [A] } }],
      NOW,
    );
    const [header, first, second] = table.split("\n");
    assert.match(header ?? "", /^ID\s+STATE\s+MATCHERS\s+ENDS\s+SILENCING\s+BY\s+COMMENT$/);
    assert.equal(
      first?.replace(/\s+/g, " "),
      `${A} active instance="db1" in 1h30m 1 alice red\\u001b[31m\\u202e`,
    );
    assert.match(second ?? "", /expired .* 1h30m ago +- +alice/);
    assert.equal(relativeTime(new Date(NOW.getTime() + 20_000), NOW), "in 1m", "under a minute reads as one");
  });
});

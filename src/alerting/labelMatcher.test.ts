import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  formatLabelMatcher,
  matchesLabel,
  oneOf,
  parseLabelMatcher,
  type LabelMatcher,
} from "./labelMatcher.js";

const parsed = (text: string): LabelMatcher => {
  const matcher = parseLabelMatcher(text);
  if (typeof matcher === "string") assert.fail(`${text} parses: ${matcher}`);
  return matcher;
};

/** The message for text that is not a matcher. */
const refusal = (text: string): string => {
  const matcher = parseLabelMatcher(text);
  if (typeof matcher !== "string") assert.fail(`${text} is refused`);
  return matcher;
};

describe("label matchers", () => {
  it("reads the four operators, =~ before =", () => {
    assert.deepEqual(parsed("instance=db1"), { label: "instance", op: "=", value: "db1" });
    assert.deepEqual(parsed("job != node"), { label: "job", op: "!=", value: "node" });
    assert.deepEqual(parsed("alertname=~Mysql.*"), { label: "alertname", op: "=~", value: "Mysql.*" });
    assert.deepEqual(parsed("site!~shop|blog"), { label: "site", op: "!~", value: "shop|blog" });
  });

  it("reads a quoted value with escapes as Alertmanager does", () => {
    assert.deepEqual(parsed('summary="say \\"hi\\" \\\\ now"'), {
      label: "summary",
      op: "=",
      value: 'say "hi" \\ now',
    });
    assert.deepEqual(parsed('instance=~"db\\d+"'), { label: "instance", op: "=~", value: "db\\d+" });
  });

  it("refuses what is not a matcher, naming the text", () => {
    assert.match(refusal("db1"), /"db1" is not a matcher/);
    assert.match(refusal("1abc=x"), /is not a matcher/);
    assert.match(refusal('a="unterminated'), /unescaped double quote/);
    assert.match(refusal('a=x"y'), /unescaped double quote/);
  });

  it("refuses a regex Alertmanager could not compile", () => {
    assert.match(refusal("a=~(unclosed"), /not a valid regular expression/);
    assert.match(refusal("a=~(?!x)y"), /lookarounds/);
    assert.match(refusal("a=~(x)\\1"), /back-references/);
  });

  it("writes values quoted so that amtool reads them back unchanged", () => {
    const matcher: LabelMatcher = { label: "summary", op: "=~", value: 'a"b\\d\nc' };
    assert.equal(formatLabelMatcher(matcher), 'summary=~"a\\"b\\\\d\\nc"');
    assert.deepEqual(parsed(formatLabelMatcher(matcher)), matcher);
  });

  it("anchors regexes at both ends and takes a missing label as empty", () => {
    const re = parsed("instance=~db[0-9]");
    assert.equal(matchesLabel(re, { instance: "db1" }), true);
    assert.equal(matchesLabel(re, { instance: "db10" }), false, "anchored at the end");
    assert.equal(matchesLabel(re, { instance: "xdb1" }), false, "anchored at the start");
    assert.equal(matchesLabel(parsed("team!=db"), {}), true);
    assert.equal(matchesLabel(parsed("team=~"), {}), true, "empty regex matches a missing label");
    assert.equal(matchesLabel(parsed("alertname=~(?i)mysql.*"), { alertname: "MysqlDown" }), true);
  });

  it("makes one matcher of several names, exact for one", () => {
    assert.deepEqual(oneOf("instance", ["db1"]), { label: "instance", op: "=", value: "db1" });
    assert.deepEqual(oneOf("instance", ["db2", "db1", "db2"]), {
      label: "instance",
      op: "=~",
      value: "db1|db2",
    });
    assert.equal(matchesLabel(oneOf("instance", ["a.b"]), { instance: "a.b" }), true);
    assert.equal(matchesLabel(oneOf("instance", ["a.b", "c"]), { instance: "axb" }), false, "dots escaped");
  });
});

// Label matchers as Alertmanager reads them (`instance="db1"`, `alertname=~"Mysql.*"`): parsed
// from the command line and stackmon.yml, written into alertmanager.yml and silences, and
// evaluated here the way Alertmanager does (pkg/labels/matcher.go: a regex is anchored at both
// ends; a missing label is the empty string).

export const MATCH_OPERATORS = ["=", "!=", "=~", "!~"] as const;
export type MatchOperator = (typeof MATCH_OPERATORS)[number];

export interface LabelMatcher {
  readonly label: string;
  readonly op: MatchOperator;
  readonly value: string;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** '=~' before '=': as pkg/labels/parse.go orders them, so "a=~b" is not read as a = "~b". */
const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|=|!=|!~)\s*(.*?)\s*$/s;
/** Go's RE2 has no lookaround and no back-references; JavaScript would accept them. */
const NOT_RE2 = /\(\?<?[=!]|\\[1-9]|\\k</;

/**
 * `label=value`, `label!=value`, `label=~regex` or `label!~regex`; the value may be written in
 * double quotes, with \" and \\ inside (pkg/labels/parse.go ParseMatcher). A message saying
 * what is wrong otherwise.
 */
export function parseLabelMatcher(text: string): LabelMatcher | string {
  const match = MATCHER.exec(text);
  if (!match) {
    return `"${text}" is not a matcher: write label=value, label!=value, label=~regex or label!~regex`;
  }
  const [, label = "", op = "=", raw = ""] = match;
  const value = unquote(raw);
  if (value === undefined) return `"${text}": the value has an unescaped double quote`;
  const matcher: LabelMatcher = { label, op: op as MatchOperator, value };
  if (isRegex(matcher)) {
    const problem = regexProblem(value);
    if (problem) return `"${text}": ${problem}`;
  }
  return matcher;
}

function unquote(raw: string): string | undefined {
  if (!raw.startsWith('"')) return raw.includes('"') ? undefined : raw;
  if (raw.length < 2 || !raw.endsWith('"')) return undefined;
  let out = "";
  const inner = raw.slice(1, -1);
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === "\\" && i + 1 < inner.length) {
      const next = inner[i + 1];
      if (next === "n") out += "\n";
      else if (next === '"' || next === "\\") out += next;
      else out += `\\${next}`;
      i++;
    } else if (c === '"') {
      return undefined;
    } else {
      out += c;
    }
  }
  return out;
}

export function isRegex(matcher: LabelMatcher): boolean {
  return matcher.op === "=~" || matcher.op === "!~";
}

/** Why a regular expression would not work in Alertmanager, or undefined when it would. */
export function regexProblem(pattern: string): string | undefined {
  if (NOT_RE2.test(pattern)) return "lookarounds and back-references are not supported (Go RE2)";
  try {
    anchored(pattern);
    return undefined;
  } catch (error) {
    return `not a valid regular expression: ${(error as Error).message}`;
  }
}

export function isLabelName(text: string): boolean {
  return LABEL_NAME.test(text);
}

/** The matcher as alertmanager.yml's `matchers:` and amtool read it, its value quoted. */
export function formatLabelMatcher(matcher: LabelMatcher): string {
  const value = matcher.value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
  return `${matcher.label}${matcher.op}"${value}"`;
}

/** Whether a set of labels satisfies the matcher, as Alertmanager decides it. */
export function matchesLabel(matcher: LabelMatcher, labels: Readonly<Record<string, string>>): boolean {
  const value = labels[matcher.label] ?? "";
  switch (matcher.op) {
    case "=":
      return value === matcher.value;
    case "!=":
      return value !== matcher.value;
    case "=~":
      return anchored(matcher.value).test(value);
    case "!~":
      return !anchored(matcher.value).test(value);
  }
}

export function matchesAll(
  matchers: readonly LabelMatcher[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return matchers.every((m) => matchesLabel(m, labels));
}

/**
 * Alertmanager compiles "^(?:" + pattern + ")$" (pkg/labels/matcher.go NewMatcher). Go's
 * leading flag group, such as (?i), becomes JavaScript's flags.
 */
function anchored(pattern: string): RegExp {
  const flags = /^\(\?([ims]+)\)/.exec(pattern);
  const body = flags ? pattern.slice(flags[0].length) : pattern;
  return new RegExp(`^(?:${body})$`, flags?.[1] ?? "");
}

/** A regex matching exactly these names (names of hosts, alerts, components: no metacharacters). */
export function oneOf(label: string, names: readonly string[]): LabelMatcher {
  const sorted = [...new Set(names)].sort();
  if (sorted.length === 1) return { label, op: "=", value: sorted[0] ?? "" };
  return { label, op: "=~", value: sorted.map(escapeRegex).join("|") };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

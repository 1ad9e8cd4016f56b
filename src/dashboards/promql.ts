// Just enough PromQL reading for the dashboard checks: the selectors of an expression with their
// matchers and ranges, and Grafana's variable interpolation. Prometheus itself judges the syntax
// (the integration tests run every query); this only has to find what a linter looks at.

export interface Matcher {
  readonly label: string;
  readonly op: "=" | "!=" | "=~" | "!~";
  readonly value: string;
}

export interface Selector {
  /** The metric name, when the selector has one outside its braces. */
  readonly metric?: string;
  readonly matchers: readonly Matcher[];
  /** The text inside `[...]` right after it (a range or a subquery), if any. */
  readonly range?: string;
  /** The innermost function whose parentheses hold the selector (`rate`, `sum`, ...). */
  readonly enclosingFunction?: string;
}

type Token =
  | { readonly kind: "ident"; readonly text: string }
  | { readonly kind: "string"; readonly text: string }
  | { readonly kind: "range"; readonly text: string }
  | { readonly kind: "punct"; readonly text: string }
  | { readonly kind: "number"; readonly text: string };

/** Keywords that are neither metrics nor functions. */
const KEYWORDS = new Set([
  "and",
  "or",
  "unless",
  "by",
  "without",
  "on",
  "ignoring",
  "bool",
  "offset",
  "inf",
  "nan",
]);
const GROUP_MODIFIERS = new Set(["group_left", "group_right"]);
/** Keywords followed by a parenthesised list of label names, not an expression. */
const LABEL_LISTS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
const OPERATORS = ["=~", "!~", "!=", "==", ">=", "<=", "=", ">", "<", "+", "-", "*", "/", "%", "^", "@"];

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr.charAt(i);
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === "#") {
      while (i < expr.length && expr.charAt(i) !== "\n") i += 1;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      let text = "";
      while (j < expr.length && expr.charAt(j) !== c) {
        if (expr.charAt(j) === "\\" && c !== "`") {
          text += expr.charAt(j + 1);
          j += 2;
        } else {
          text += expr.charAt(j);
          j += 1;
        }
      }
      if (j >= expr.length) throw new Error(`unterminated string in ${expr}`);
      tokens.push({ kind: "string", text });
      i = j + 1;
    } else if (c === "[") {
      const end = expr.indexOf("]", i);
      if (end < 0) throw new Error(`unterminated range in ${expr}`);
      tokens.push({ kind: "range", text: expr.slice(i + 1, end).trim() });
      i = end + 1;
    } else if (/[A-Za-z_:$]/.test(c)) {
      const match = /^(\$\{[^}]*\}|\$?[A-Za-z_:][A-Za-z0-9_:]*)/.exec(expr.slice(i));
      const text = match?.[0] ?? c;
      tokens.push({ kind: "ident", text });
      i += text.length;
    } else if (/[0-9.]/.test(c)) {
      const text = /^[0-9.][0-9A-Za-z.]*/.exec(expr.slice(i))?.[0] ?? c;
      tokens.push({ kind: "number", text });
      i += text.length;
    } else {
      const op = OPERATORS.find((o) => expr.startsWith(o, i)) ?? c;
      tokens.push({ kind: "punct", text: op });
      i += op.length;
    }
  }
  return tokens;
}

function parseMatchers(
  tokens: readonly Token[],
  start: number,
  expr: string,
): { matchers: Matcher[]; end: number } {
  const matchers: Matcher[] = [];
  let i = start;
  for (;;) {
    const token = tokens[i];
    if (!token) throw new Error(`unterminated selector in ${expr}`);
    if (token.kind === "punct" && token.text === "}") return { matchers, end: i + 1 };
    if (token.kind === "punct" && token.text === ",") {
      i += 1;
      continue;
    }
    const op = tokens[i + 1];
    const value = tokens[i + 2];
    if (
      (token.kind !== "ident" && token.kind !== "string") ||
      op?.kind !== "punct" ||
      !["=", "!=", "=~", "!~"].includes(op.text) ||
      value?.kind !== "string"
    ) {
      throw new Error(`cannot read the matchers of ${expr}`);
    }
    matchers.push({ label: token.text, op: op.text as Matcher["op"], value: value.text });
    i += 3;
  }
}

/** Every selector of a PromQL expression, in order. Throws on text it cannot read. */
export function selectorsOf(expr: string): Selector[] {
  const tokens = tokenize(expr);
  const selectors: Selector[] = [];
  /** Open parentheses: the function they belong to, or that they hold label names. */
  const open: { fn?: string; labels: boolean }[] = [];
  const enclosing = () => [...open].reverse().find((p) => p.fn !== undefined)?.fn;
  /** An aggregation written `sum by (x) (...)`: its parenthesis comes after the label list. */
  let pendingFunction: string | undefined;
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i] as Token;
    const next = tokens[i + 1];
    const inLabelList = open.at(-1)?.labels === true;
    if (token.kind === "punct" && token.text === "(") {
      open.push(pendingFunction !== undefined ? { fn: pendingFunction, labels: false } : { labels: false });
      pendingFunction = undefined;
      i += 1;
    } else if (token.kind === "punct" && token.text === ")") {
      open.pop();
      i += 1;
    } else if (token.kind === "ident" && LABEL_LISTS.has(token.text) && next?.text === "(") {
      open.push({ labels: true });
      i += 2;
    } else if (token.kind === "ident" && !inLabelList && next?.kind === "punct" && next.text === "(") {
      open.push({ fn: token.text, labels: false });
      i += 2;
    } else if (
      token.kind === "ident" &&
      !inLabelList &&
      next?.kind === "ident" &&
      (next.text === "by" || next.text === "without")
    ) {
      pendingFunction = token.text;
      i += 1;
    } else if (
      (token.kind === "ident" &&
        !inLabelList &&
        !KEYWORDS.has(token.text) &&
        !GROUP_MODIFIERS.has(token.text) &&
        !token.text.startsWith("$")) ||
      (token.kind === "punct" && token.text === "{")
    ) {
      const metric = token.kind === "ident" ? token.text : undefined;
      let j = token.kind === "ident" ? i + 1 : i;
      let matchers: Matcher[] = [];
      if (tokens[j]?.kind === "punct" && tokens[j]?.text === "{") {
        const parsed = parseMatchers(tokens, j + 1, expr);
        matchers = parsed.matchers;
        j = parsed.end;
      }
      const rangeToken = tokens[j];
      const range = rangeToken?.kind === "range" ? rangeToken.text : undefined;
      if (range !== undefined) j += 1;
      const fn = enclosing();
      selectors.push({
        ...(metric !== undefined ? { metric } : {}),
        matchers,
        ...(range !== undefined ? { range } : {}),
        ...(fn !== undefined ? { enclosingFunction: fn } : {}),
      });
      i = j;
    } else {
      i += 1;
    }
  }
  return selectors;
}

/** The names of the variables an expression refers to (`$name` or `${name}`, `${name:format}`). */
export function variablesIn(text: string): string[] {
  const names = [...text.matchAll(/\$(?:\{([A-Za-z0-9_]+)(?::[^}]*)?\}|([A-Za-z0-9_]+))/g)].map(
    (m) => m[1] ?? m[2] ?? "",
  );
  return [...new Set(names)];
}

/**
 * Grafana's interpolation of `$name` and `${name}`. A value given as a list is a multi-value
 * selection: escaped for a regex matcher and joined as `(a|b)`, as Grafana's Prometheus
 * datasource does; a plain string is inserted as it is (built-ins such as $__rate_interval).
 */
export function interpolate(
  text: string,
  values: Readonly<Record<string, string | readonly string[]>>,
): string {
  return text.replace(
    /\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g,
    (whole, braced?: string, bare?: string) => {
      const name = braced ?? bare ?? "";
      const value = values[name];
      if (value === undefined) return whole;
      if (typeof value === "string") return value;
      const escaped = value.map(regexEscapeForPromql);
      return escaped.length === 1 ? (escaped[0] ?? "") : `(${escaped.join("|")})`;
    },
  );
}

/**
 * A label value made literal inside a PromQL regex string: regex metacharacters get a
 * backslash, and every backslash is doubled again for the double-quoted string it lands in.
 */
export function regexEscapeForPromql(value: string): string {
  return value.replace(/\\/g, "\\\\\\\\").replace(/[$^*{}[\]'+?.()|]/g, "\\\\$&");
}

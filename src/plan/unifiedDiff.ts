// A unified diff of two texts by lines (Myers' O(ND) algorithm), as `diff -u` prints it, so a
// plan shows exactly what a file change is.

type Edit = { readonly kind: " " | "-" | "+"; readonly line: string };

/** Beyond this many differing lines a file is shown as replaced rather than searched further. */
const MAX_EDIT_DISTANCE = 4000;

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** The shortest edit script from a to b. */
function editScript(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0))
          ? (v[offset + k + 1] ?? 0)
          : (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
    v = next;
  }
  if (!found) {
    return [
      ...a.map((line) => ({ kind: "-" as const, line })),
      ...b.map((line) => ({ kind: "+" as const, line })),
    ];
  }
  // Walk the trace back from the end to recover the edits.
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d] as Int32Array;
    const k = x - y;
    const prevK =
      k === -d || (k !== d && (vd[offset + k - 1] ?? 0) < (vd[offset + k + 1] ?? 0)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : (vd[offset + prevK] ?? 0);
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) {
      y--;
      edits.push({ kind: " ", line: a[--x] ?? "" });
    }
    if (d > 0) {
      if (x === prevX) edits.push({ kind: "+", line: b[--y] ?? "" });
      else edits.push({ kind: "-", line: a[--x] ?? "" });
    }
  }
  return edits.reverse();
}

/**
 * `diff -u` output of `before` → `after` with `context` lines around each change; "" when the
 * texts are equal. Labels name the two sides (/dev/null for a file that does not exist).
 */
export function unifiedDiff(
  before: string,
  after: string,
  labels: { readonly before: string; readonly after: string },
  context = 3,
): string {
  if (before === after) return "";
  const a = splitLines(before);
  const b = splitLines(after);
  const edits = editScript(a, b);
  const hunks: string[] = [];
  let i = 0;
  // Line numbers (1-based) in a and b at edit index i.
  const position = edits.map(() => ({ a: 0, b: 0 }));
  let la = 1;
  let lb = 1;
  edits.forEach((edit, index) => {
    position[index] = { a: la, b: lb };
    if (edit.kind !== "+") la++;
    if (edit.kind !== "-") lb++;
  });
  while (i < edits.length) {
    if (edits[i]?.kind === " ") {
      i++;
      continue;
    }
    let start = Math.max(0, i - context);
    let end = i;
    // Extend while changes are within 2*context of each other.
    for (;;) {
      while (end < edits.length && edits[end]?.kind !== " ") end++;
      let gap = end;
      while (gap < edits.length && edits[gap]?.kind === " ") gap++;
      if (gap < edits.length && gap - end <= 2 * context) {
        end = gap;
        continue;
      }
      end = Math.min(edits.length, end + context);
      break;
    }
    const slice = edits.slice(start, end);
    const first = position[start] ?? { a: 1, b: 1 };
    const countA = slice.filter((e) => e.kind !== "+").length;
    const countB = slice.filter((e) => e.kind !== "-").length;
    const range = (from: number, count: number) =>
      count === 1 ? `${from}` : `${count === 0 ? from - 1 : from},${count}`;
    hunks.push(
      `@@ -${range(first.a, countA)} +${range(first.b, countB)} @@`,
      ...slice.map((e) => `${e.kind}${e.line}`),
    );
    i = end;
    start = end;
  }
  const noNewline = (text: string, side: string) =>
    text !== "" && !text.endsWith("\n") ? [`\\ No newline at end of ${side}`] : [];
  return [
    `--- ${labels.before}`,
    `+++ ${labels.after}`,
    ...hunks,
    ...noNewline(before, "old file"),
    ...noNewline(after, "new file"),
  ].join("\n");
}

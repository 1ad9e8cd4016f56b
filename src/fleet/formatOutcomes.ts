// The end of a fleet run: one row per host, then what went wrong on the hosts that failed.
import { formatTable } from "../lib/textTable.js";
import type { HostOutcome } from "./fanOut.js";

export function formatOutcomes<T>(
  outcomes: readonly HostOutcome<T>[],
  describe: (result: T) => { readonly status: string; readonly detail: string },
): string {
  const rows = [
    ["HOST", "RESULT", "TIME", "DETAIL"],
    ...outcomes.map((o) => {
      const row =
        o.result === undefined ? { status: "failed", detail: firstLine(o.error) } : describe(o.result);
      return [o.host, row.status, `${o.seconds}s`, row.detail];
    }),
  ];
  const failures = outcomes.filter((o) => o.result === undefined);
  const details = failures.map((o) => `\n${o.host}:\n${indent(o.error ?? "failed")}`);
  const verdict = failures.length
    ? `\n${failures.length} of ${outcomes.length} hosts failed.`
    : `\nAll ${outcomes.length} hosts done.`;
  return [formatTable(rows), ...details, verdict].join("\n");
}

function firstLine(text: string | undefined): string {
  return (text ?? "failed").split("\n")[0] ?? "failed";
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}

// No string in stackmon.yml may hold a control character: a newline in a hostname or URL would
// land in a rendered config as a line of its own, an escape sequence in a log would rewrite the
// reader's terminal. Invisible direction overrides are refused for the same reason.
import { visit, type Document, type Scalar } from "yaml";
import type { ConfigIssue, ConfigPath, Position } from "./configError.js";

const FORBIDDEN = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

function codePoint(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Every scalar (key or value) holding such a character, at its position. */
export function controlCharacterIssues(
  doc: Document,
  at: (offset: number) => Position,
  pathOf: (ancestors: readonly unknown[], node: Scalar) => ConfigPath,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (typeof node.value !== "string") return;
      const match = FORBIDDEN.exec(node.value);
      if (!match) return;
      issues.push({
        path: pathOf(ancestors, node),
        message: `${key === "key" ? "a key holds" : "holds"} a control character (${codePoint(match[0])}) at character ${match.index + 1}`,
        position: at(node.range?.[0] ?? 0),
        hint: "rendered configs and logs would carry it; remove it",
      });
    },
  });
  return issues;
}

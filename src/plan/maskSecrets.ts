// What a plan may show of a secret-bearing file that is already on the host. Its secrets sit
// where the template's secret parts are; the rest is the template's literal text.
import type { FileContent } from "../render/desiredState.js";
import { describeSecret } from "../render/fileContent.js";

const WITHHELD = "<line withheld: this file holds secrets>";

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const BCRYPT_HASH = /\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}/;

/** The text on a secret's own line before it ("password=", `  "user": `). */
function secretLinePrefixes(content: Exclude<FileContent, string>): string[] {
  return content.template.flatMap((part, i) => {
    if (typeof part === "string") return [];
    const before = content.template[i - 1];
    return [typeof before === "string" ? (before.split("\n").pop() ?? "") : ""];
  });
}

/**
 * The current text with its secrets replaced by the same markers `maskedText` uses. When the
 * file no longer has the template's shape (an older layout), positions cannot be trusted: a
 * line the desired text lacks is withheld when it may hold a secret (it starts like a secret's
 * line, holds a current secret value or a bcrypt hash).
 */
export function maskCurrentText(
  current: string,
  content: FileContent,
  maskedDesired: string,
  secretValues: readonly string[] = [],
): string {
  if (typeof content === "string") return current;
  const pattern = content.template
    .map((part) => (typeof part === "string" ? escapeRegExp(part) : "([\\s\\S]*?)"))
    .join("");
  if (new RegExp(`^${pattern}$`).test(current)) {
    return content.template
      .map((part) => (typeof part === "string" ? part : `<secret: ${describeSecret(part.secret)}>`))
      .join("");
  }
  const known = new Set(maskedDesired.split("\n"));
  const prefixes = secretLinePrefixes(content);
  const mayHoldSecret = (line: string) =>
    prefixes.some((p) => p.trim() === "" || line.startsWith(p)) ||
    secretValues.some((v) => v !== "" && line.includes(v)) ||
    BCRYPT_HASH.test(line);
  return current
    .split("\n")
    .map((line) => (known.has(line) || !mayHoldSecret(line) ? line : WITHHELD))
    .join("\n");
}

/**
 * Which secrets differ between the current text and the resolved one, by config key. Only
 * meaningful when the current text has the template's shape; otherwise empty.
 */
export function changedSecrets(current: string, resolved: string, content: FileContent): string[] {
  if (typeof content === "string") return [];
  const pattern = content.template
    .map((part) => (typeof part === "string" ? escapeRegExp(part) : "([\\s\\S]*?)"))
    .join("");
  const regexp = new RegExp(`^${pattern}$`);
  const before = regexp.exec(current);
  const after = regexp.exec(resolved);
  if (!before || !after) return [];
  const secrets = content.template.filter((part) => typeof part !== "string");
  return secrets.flatMap((part, i) => (before[i + 1] === after[i + 1] ? [] : [describeSecret(part.secret)]));
}

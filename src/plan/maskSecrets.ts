// What a plan may show of a secret-bearing file that is already on the host. Its secrets sit
// where the template's secret parts are; the rest is the template's literal text.
import type { FileContent } from "../render/desiredState.js";
import { describeSecret } from "../render/fileContent.js";

const WITHHELD = "<line withheld: this file holds secrets>";

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The current text with its secrets replaced by the same markers `maskedText` uses. When the
 * file no longer has the template's shape (an older layout, a hand edit), positions cannot be
 * trusted and no heuristic can tell a hand-edited secret from other text: every line the
 * desired text lacks is withheld. Lines both texts have stay readable.
 */
export function maskCurrentText(current: string, content: FileContent, maskedDesired: string): string {
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
  return current
    .split("\n")
    .map((line) => (known.has(line) ? line : WITHHELD))
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

// Turning FileContent into text: with secrets resolved (apply, up) or masked (render, plan).
import bcrypt from "bcryptjs";
import { UserError } from "../config/configError.js";
import type { FileContent, SecretRef, SecretUse } from "./desiredState.js";

/** Reads a secret's value; throws a UserError naming the file/variable and config key when it cannot. */
export type SecretReader = (secret: SecretRef) => string;

export function describeSecret(secret: SecretRef): string {
  return secret.kind === "file"
    ? `${secret.configKey} (${secret.path})`
    : `${secret.configKey} ($${secret.name})`;
}

/** The text with every secret replaced by a marker that says where it comes from. */
export function maskedText(content: FileContent): string {
  if (typeof content === "string") return content;
  return content.template
    .map((part) => (typeof part === "string" ? part : `<secret: ${describeSecret(part.secret)}>`))
    .join("");
}

/**
 * The text with secrets filled in. A bcrypt part reuses `previousHash` when it still matches the
 * secret, so rewriting an unchanged config is a no-op despite bcrypt's random salt.
 */
export function resolvedText(content: FileContent, readSecret: SecretReader, previousText?: string): string {
  if (typeof content === "string") return content;
  const previousHashes = previousText?.match(/\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}/g) ?? [];
  let bcryptIndex = 0;
  return content.template
    .map((part) => {
      if (typeof part === "string") return part;
      const value = readSecret(part.secret);
      if (part.as === "raw") return value;
      if (part.as === "env-quoted") return envQuoted(value, part.secret);
      return reuseOrHash(value, previousHashes[bcryptIndex++], part.generated ? 4 : 10);
    })
    .join("");
}

/** The previous hash when it matches and has the cost wanted, else a new one. */
function reuseOrHash(value: string, previous: string | undefined, cost: number): string {
  const previousCost = Number(previous?.slice(4, 6));
  if (previous !== undefined && previousCost === cost && bcrypt.compareSync(value, previous)) return previous;
  return bcrypt.hashSync(value, cost);
}

/**
 * A value as systemd's EnvironmentFile= reads it back unchanged: in double quotes, with the four
 * characters it unescapes there (" \\ ` $) escaped. A line break would end the value: refused.
 */
export function envQuoted(value: string, secret: SecretRef): string {
  if (/[\r\n\0]/.test(value)) {
    throw new UserError(`${describeSecret(secret)}: a line break or NUL cannot be part of this secret`);
  }
  return `"${value.replace(/["\\`$]/g, (c) => `\\${c}`)}"`;
}

export function secretsOf(content: FileContent): readonly SecretUse[] {
  return typeof content === "string"
    ? []
    : content.template.filter((p): p is SecretUse => typeof p !== "string");
}

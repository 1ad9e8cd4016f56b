// Reading secrets by reference, with errors that name the file or variable and the config key.
import { readFileSync } from "node:fs";
import { UserError } from "../config/configError.js";
import type { SecretRef } from "../render/desiredState.js";

/** Values are trimmed of one trailing newline, as `echo secret > file` leaves one. */
export function readSecret(
  secret: SecretRef,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  if (secret.kind === "env") {
    const value = env[secret.name];
    if (value === undefined || value === "") {
      throw new UserError(`${secret.configKey}: environment variable ${secret.name} is not set or empty`);
    }
    return withoutControlCharacters(value, `${secret.configKey}: environment variable ${secret.name}`);
  }
  let text: string;
  try {
    text = readFileSync(secret.path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new UserError(`${secret.configKey}: cannot read secret file ${secret.path} (${code})`, {
      hint: "create it with mode 0600 or 0640, holding only the secret",
    });
  }
  if (secret.pem) return pemDocument(text, `${secret.configKey}: ${secret.path}`);
  const value = text.replace(/\r?\n$/, "");
  if (value === "") throw new UserError(`${secret.configKey}: secret file ${secret.path} is empty`);
  return withoutControlCharacters(value, `${secret.configKey}: secret file ${secret.path}`);
}

/**
 * A secret lands verbatim in rendered files (an INI password, a YAML URL): a newline in it would
 * start a line of its own there. Which character is said; the secret itself never is.
 */
function withoutControlCharacters(value: string, where: string): string {
  const match = /\p{Cc}/u.exec(value);
  if (!match) return value;
  const code = `U+${(match[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
  throw new UserError(`${where} holds a control character (${code}) at character ${match.index + 1}`, {
    hint: "a secret is one line; only a final newline is taken off",
  });
}

/** A certificate or key file as it is, once it looks like PEM (and nothing else). */
function pemDocument(text: string, where: string): string {
  if (!/^-----BEGIN [A-Z0-9 ]+-----\r?\n[\s\S]*-----END [A-Z0-9 ]+-----\s*$/.test(text)) {
    throw new UserError(`${where} is not a PEM certificate or key`, {
      hint: "give the file that starts with -----BEGIN",
    });
  }
  return text;
}

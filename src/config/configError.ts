// The one error type people see: a message, where in which file, and what to do about it.

/** A key path into the config, e.g. ["exporters", "blackbox", "targets", 0, "url"]. */
export type ConfigPath = readonly (string | number)[];

export interface Position {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export interface ConfigIssue {
  readonly path: ConfigPath;
  readonly message: string;
  readonly position?: Position;
  readonly hint?: string;
  /** The problem is the key itself (unknown, badly named): shown at the key, not its value. */
  readonly atKey?: boolean;
}

export function formatPath(path: ConfigPath): string {
  let out = "";
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : out === "" ? part : `.${part}`;
  }
  return out === "" ? "(root)" : out;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.position ? `${issue.position.file}:${issue.position.line}:${issue.position.col}: ` : "";
  const hint = issue.hint ? ` (${issue.hint})` : "";
  return `${where}${formatPath(issue.path)}: ${issue.message}${hint}`;
}

/** A user error: bad config, a missing secret file, a port in use. Exit code 1, no stack trace. */
export class UserError extends Error {
  readonly issues: readonly ConfigIssue[];
  readonly hint: string | undefined;

  constructor(message: string, options: { issues?: readonly ConfigIssue[]; hint?: string } = {}) {
    super(message);
    this.name = "UserError";
    this.issues = options.issues ?? [];
    this.hint = options.hint;
  }

  /** Every line a person should read, issues first in file order. */
  describe(): string {
    const lines = this.issues.map(formatIssue);
    if (lines.length === 0) lines.push(this.message);
    if (this.hint) lines.push(`hint: ${this.hint}`);
    return lines.join("\n");
  }
}

/** Thrown by validation; carries every issue found, not just the first. */
export class ConfigError extends UserError {
  constructor(issues: readonly ConfigIssue[]) {
    super(`${issues.length} problem${issues.length === 1 ? "" : "s"} in the configuration`, { issues });
    this.name = "ConfigError";
  }
}

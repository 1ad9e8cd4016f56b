// A logfmt logger for the exporters: one line per event to stderr, for journald. Nothing secret
// is ever passed to it.
export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/**
 * Quoted (JSON string escapes) when a value has spaces, quotes, `=`, backslashes or any control
 * or invisible formatting character: a value from a request can then neither forge a second
 * log line nor hide text from the reader's terminal.
 */
export function quoteLogValue(value: string): string {
  if (!/[\s"=\\\p{C}]/u.test(value) && value !== "") return value;
  // JSON escapes C0 controls; the rest (DEL, C1, bidi overrides, ...) it would leave raw.
  return escapeInvisible(JSON.stringify(value));
}

/**
 * Control and invisible formatting characters written as \uXXXX, for text from elsewhere shown
 * on a terminal: it can then neither move the cursor nor reorder or hide what is printed.
 */
export function escapeInvisible(text: string): string {
  return text.replace(/\p{C}/gu, (c) =>
    Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, "0")}`).join(
      "",
    ),
  );
}

export function formatLogLine(level: LogLevel, msg: string, fields: LogFields, now: Date): string {
  const pairs = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${quoteLogValue(String(v))}`);
  return [`ts=${now.toISOString()}`, `level=${level}`, `msg=${quoteLogValue(msg)}`, ...pairs].join(" ");
}

export function createLogger(
  minLevel: LogLevel = "info",
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Logger {
  const log =
    (level: LogLevel) =>
    (msg: string, fields: LogFields = {}) => {
      if (ORDER[level] >= ORDER[minLevel]) write(formatLogLine(level, msg, fields, new Date()));
    };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

export function isLogLevel(value: string): value is LogLevel {
  return value in ORDER;
}

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

function quote(value: string): string {
  return /[\s"=\\]/.test(value) || value === "" ? JSON.stringify(value) : value;
}

export function formatLogLine(level: LogLevel, msg: string, fields: LogFields, now: Date): string {
  const pairs = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${quote(String(v))}`);
  return [`ts=${now.toISOString()}`, `level=${level}`, `msg=${quote(msg)}`, ...pairs].join(" ");
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

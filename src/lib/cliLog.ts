// Progress lines of the stackmon CLI: one line per event, key=value, to stderr.
import { quoteLogValue } from "./log.js";

export function logEvent(message: string, fields: Record<string, string | number> = {}): void {
  const pairs = Object.entries(fields).map(([k, v]) => `${k}=${quoteLogValue(String(v))}`);
  console.error([`stackmon: ${message}`, ...pairs].join(" "));
}

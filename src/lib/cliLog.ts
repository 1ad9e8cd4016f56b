// Progress lines of the stackmon CLI: one line per event, key=value, to stderr.
export function logEvent(message: string, fields: Record<string, string | number> = {}): void {
  const pairs = Object.entries(fields).map(([k, v]) => `${k}=${formatValue(v)}`);
  console.error([`stackmon: ${message}`, ...pairs].join(" "));
}

function formatValue(value: string | number): string {
  const text = String(value);
  return /[\s"=]/.test(text) || text === "" ? JSON.stringify(text) : text;
}

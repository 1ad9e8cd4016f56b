// The .NET value formats Duplicati sends: TimeSpan durations, 7-digit fractional seconds,
// "True"/"False" strings, and locale dates with the epoch in parentheses (text format).

/** "hh:mm:ss[.fffffff]" or "d.hh:mm:ss[.fffffff]" → seconds; undefined when malformed. */
export function parseTimeSpan(text: string): number | undefined {
  const match = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, minus, days, hours, minutes, seconds, fraction] = match;
  const total =
    Number(days ?? 0) * 86_400 +
    Number(hours) * 3600 +
    Number(minutes) * 60 +
    Number(seconds) +
    (fraction ? Number(`0.${fraction}`) : 0);
  return minus ? -total : total;
}

/**
 * ISO-8601 with up to 7 fractional digits (JavaScript's Date takes 3) and a Z or offset → epoch
 * seconds. .NET's placeholder "0001-01-01T00:00:00" means "no value".
 */
export function parseDotNetDate(text: string): number | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(
    text.trim(),
  );
  if (!match) return undefined;
  const [, base, fraction, zone] = match;
  if (base?.startsWith("0001-01-01")) return undefined;
  const millis = Date.parse(`${base}${zone ?? "Z"}`);
  if (Number.isNaN(millis)) return undefined;
  return millis / 1000 + (fraction ? Number(`0.${fraction}`) : 0);
}

/** Duplicati's compact metadata dates, e.g. "20261006T000000Z". */
export function parseCompactDate(text: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  const millis = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return Number.isNaN(millis) ? undefined : millis / 1000;
}

/** Any date form Duplicati uses: ISO, compact, or "23.02.2020 23:04:56 (1582495496)". */
export function parseAnyDate(text: string): number | undefined {
  const epoch = /\((\d{9,11})\)\s*$/.exec(text);
  if (epoch?.[1]) return Number(epoch[1]);
  return parseDotNetDate(text) ?? parseCompactDate(text);
}

/** true/false, "True"/"False" (2.0.x), or undefined. */
export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    if (/^true$/i.test(value.trim())) return true;
    if (/^false$/i.test(value.trim())) return false;
  }
  return undefined;
}

/** A finite, non-negative-or-not number from a number or numeric string; huge values are kept as floats. */
export function parseNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value.trim())) {
    const n = Number(value.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

// Reading only some keys of a large JSON text, straight from its bytes. PM2's process list carries
// each process's whole environment (twice: under `env` and copied into pm2_env itself), more than
// nine tenths of the answer. JSON.parse would turn every variable into a string on the heap, to be
// collected again at once; here the values of keys not asked for are skipped as bytes, and only
// the values asked for are decoded (with JSON.parse, on their own slice). Pure.
//
// The input is trusted to be JSON (PM2 writes it with JSON.stringify); what is checked is enough
// to never read a value at the wrong place: strings are skipped to their real closing quote
// (escaped quotes and backslashes counted), containers to their matching bracket.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

export class JsonShapeError extends Error {}

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipSpace(bytes: Uint8Array, at: number): number {
  while (isSpace(bytes[at])) at++;
  return at;
}

/** The index after the string that starts (with its quote) at `at`. */
function stringEnd(bytes: Buffer, at: number): number {
  let from = at + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote < 0) throw new JsonShapeError(`string at ${at} never ends`);
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** The index after the JSON value that starts at `at` (no leading space). */
export function valueEnd(bytes: Buffer, at: number): number {
  const first = bytes[at];
  if (first === undefined) throw new JsonShapeError(`value expected at ${at}, found the end`);
  if (first === QUOTE) return stringEnd(bytes, at);
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    let depth = 0;
    for (let i = at; ;) {
      const byte = bytes[i];
      if (byte === undefined) throw new JsonShapeError(`container at ${at} never ends`);
      if (byte === QUOTE) {
        i = stringEnd(bytes, i);
        continue;
      }
      if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) depth++;
      else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
  }
  // A number, true, false or null: up to the next delimiter.
  let i = at;
  for (;;) {
    const byte = bytes[i];
    if (
      byte === undefined ||
      byte === COMMA ||
      byte === CLOSE_OBJECT ||
      byte === CLOSE_ARRAY ||
      isSpace(byte)
    )
      break;
    i++;
  }
  if (i === at) throw new JsonShapeError(`value expected at ${at}`);
  return i;
}

function decode(bytes: Buffer, start: number, end: number): unknown {
  return JSON.parse(bytes.toString("utf8", start, end)) as unknown;
}

/** Keys to look for, grouped by their length in bytes. */
type KeysByLength = ReadonlyMap<number, readonly { readonly key: string; readonly bytes: Buffer }[]>;

function keysByLength(keys: Iterable<string>): KeysByLength {
  const byLength = new Map<number, { key: string; bytes: Buffer }[]>();
  for (const key of keys) {
    const bytes = Buffer.from(key);
    byLength.set(bytes.length, [...(byLength.get(bytes.length) ?? []), { key, bytes }]);
  }
  return byLength;
}

/**
 * Calls `visit` for each member of the object at `at` whose key is one of `keys`, compared as
 * bytes (nothing is decoded for the others); returns the index after the object.
 */
function eachMember(
  bytes: Buffer,
  at: number,
  keys: KeysByLength,
  visit: (key: string, start: number, end: number) => void,
): number {
  if (bytes[at] !== OPEN_OBJECT) throw new JsonShapeError(`object expected at ${at}`);
  let i = skipSpace(bytes, at + 1);
  if (bytes[i] === CLOSE_OBJECT) return i + 1;
  for (;;) {
    if (bytes[i] !== QUOTE) throw new JsonShapeError(`key expected at ${i}`);
    const keyEnd = stringEnd(bytes, i);
    const keyStart = i + 1;
    i = skipSpace(bytes, keyEnd);
    if (bytes[i] !== COLON) throw new JsonShapeError(`":" expected at ${i}`);
    const start = skipSpace(bytes, i + 1);
    const end = valueEnd(bytes, start);
    for (const candidate of keys.get(keyEnd - 1 - keyStart) ?? []) {
      if (bytes.compare(candidate.bytes, 0, candidate.bytes.length, keyStart, keyEnd - 1) === 0) {
        visit(candidate.key, start, end);
        break;
      }
    }
    i = skipSpace(bytes, end);
    if (bytes[i] === COMMA) {
      i = skipSpace(bytes, i + 1);
      continue;
    }
    if (bytes[i] === CLOSE_OBJECT) return i + 1;
    throw new JsonShapeError(`"," or "}" expected at ${i}`);
  }
}

/** Which keys to keep of an object: a key's value, or for a nested object, its own picks. */
export interface Picks {
  readonly [key: string]: true | Picks;
}

export interface CompiledPicks {
  readonly keys: ReadonlyMap<string, true | CompiledPicks>;
  readonly byLength: KeysByLength;
}

/**
 * Keys are compared as the bytes JSON.stringify writes for them: it escapes only quotes,
 * backslashes and control characters, so a key free of those is written as its UTF-8 bytes.
 */
export function compilePicks(picks: Picks): CompiledPicks {
  for (const key of Object.keys(picks)) {
    // eslint-disable-next-line no-control-regex
    if (/["\\\u0000-\u001f]/.test(key))
      throw new Error(`cannot pick key ${JSON.stringify(key)}: it would be escaped`);
  }
  const keys = new Map<string, true | CompiledPicks>();
  for (const [key, pick] of Object.entries(picks)) keys.set(key, pick === true ? true : compilePicks(pick));
  return { keys, byLength: keysByLength(keys.keys()) };
}

/** The object at `at` with only the picked keys (later duplicates win, as with JSON.parse). */
function pickObject(
  bytes: Buffer,
  at: number,
  picks: CompiledPicks,
): { value: Record<string, unknown>; end: number } {
  const value: Record<string, unknown> = {};
  const end = eachMember(bytes, at, picks.byLength, (key, start, valueEnd) => {
    const pick = picks.keys.get(key);
    if (pick === undefined) return;
    value[key] =
      pick === true || bytes[start] !== OPEN_OBJECT
        ? decode(bytes, start, valueEnd)
        : pickObject(bytes, start, pick).value;
  });
  return { value, end };
}

/**
 * The elements of the JSON array at `at`, objects reduced to their picks (anything else decoded
 * as it is, for the caller to reject).
 */
export function pickArray(bytes: Buffer, at: number, picks: CompiledPicks): unknown[] {
  at = skipSpace(bytes, at);
  if (bytes[at] !== OPEN_ARRAY) throw new JsonShapeError(`array expected at ${at}`);
  const elements: unknown[] = [];
  let i = skipSpace(bytes, at + 1);
  if (bytes[i] === CLOSE_ARRAY) return elements;
  for (;;) {
    if (bytes[i] === OPEN_OBJECT) {
      const picked = pickObject(bytes, i, picks);
      elements.push(picked.value);
      i = picked.end;
    } else {
      const end = valueEnd(bytes, i);
      elements.push(decode(bytes, i, end));
      i = end;
    }
    i = skipSpace(bytes, i);
    if (bytes[i] === COMMA) {
      i = skipSpace(bytes, i + 1);
      continue;
    }
    if (bytes[i] === CLOSE_ARRAY) return elements;
    throw new JsonShapeError(`"," or "]" expected at ${i}`);
  }
}

/** The members of the object at `at` whose keys are given, each as its raw byte range. */
export function memberRanges(bytes: Buffer, at: number, keys: readonly string[]): Map<string, ByteRange> {
  const ranges = new Map<string, ByteRange>();
  eachMember(bytes, skipSpace(bytes, at), keysByLength(keys), (key, start, end) =>
    ranges.set(key, { start, end }),
  );
  return ranges;
}

export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export function decodeRange(bytes: Buffer, range: ByteRange): unknown {
  return decode(bytes, range.start, range.end);
}

/** The range of the first element of the array in `range` (`[[…]]` → `[…]`). */
export function firstElement(bytes: Buffer, range: ByteRange): ByteRange | undefined {
  if (bytes[range.start] !== OPEN_ARRAY) throw new JsonShapeError(`array expected at ${range.start}`);
  const start = skipSpace(bytes, range.start + 1);
  if (bytes[start] === CLOSE_ARRAY) return undefined;
  return { start, end: valueEnd(bytes, start) };
}

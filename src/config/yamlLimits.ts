// Bounds on what stackmon.yml may make the loader do, so that a hostile or broken file ends as
// one clear error instead of a crash or minutes of work: its size, its nesting, its number of
// keys and items, and how far its aliases expand. A real stackmon.yml (hundreds of hosts and
// targets) stays far below each.
import { isAlias, isCollection, isMap, isPair, isScalar, type Document, type Node } from "yaml";
import { UserError, type ConfigIssue, type Position } from "./configError.js";

export const YAML_LIMITS = {
  /** Bytes of the file: parsing is linear in it, and a fleet of 1,000 hosts is about 200 KiB. */
  bytes: 1024 * 1024,
  /** Levels of nesting: stackmon.yml's deepest key is 7 levels down. */
  depth: 64,
  /** Map keys and list items in all. */
  entries: 50_000,
  /** How many times the aliases may copy what they refer to (yaml's own default). */
  aliasCount: 100,
} as const;

const hint = "stackmon.yml is a short, hand-written file: is this the right one?";

function tooMuch(file: string, message: string): UserError {
  return new UserError(`${file}: ${message}`, { hint });
}

/** Before parsing: a file too large to be a stackmon.yml. */
export function checkSize(text: string, file: string): void {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > YAML_LIMITS.bytes) throw tooLarge(file, bytes);
}

export function tooLarge(file: string, bytes: number): UserError {
  return tooMuch(
    file,
    `is ${formatBytes(bytes)}, more than the ${formatBytes(YAML_LIMITS.bytes)} a config may be`,
  );
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/** The parser's own stack ran out: nesting far too deep to describe. */
export function isTooDeepForParser(message: string): boolean {
  return message.startsWith("Maximum call stack size exceeded");
}

export function tooDeep(file: string): UserError {
  return tooMuch(file, `nests deeper than ${YAML_LIMITS.depth} levels`);
}

/** After parsing, before anything walks it recursively: its depth and number of entries. */
export function checkShape(doc: Document, file: string): void {
  let entries = 0;
  const pending: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { node, depth } = next;
    if (!isCollection(node)) continue;
    if (depth >= YAML_LIMITS.depth) throw tooDeep(file);
    entries += node.items.length;
    if (entries > YAML_LIMITS.entries)
      throw tooMuch(file, `has more than ${YAML_LIMITS.entries} keys and list items`);
    for (const item of node.items) pending.push({ node: isPair(item) ? item.value : item, depth: depth + 1 });
  }
}

/** The document as plain data; aliases that expand too far (an "alias bomb") are refused. */
export function plainContents(doc: Document, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: YAML_LIMITS.aliasCount });
  } catch (error) {
    if (error instanceof ReferenceError && /alias/i.test(error.message))
      throw tooMuch(
        file,
        `its aliases expand to more than ${YAML_LIMITS.aliasCount} times what they refer to (an alias bomb?)`,
      );
    throw error;
  }
}

/**
 * A key written twice in one map, found in one pass (the parser's own check compares every key
 * with every other, which takes minutes on a large file).
 */
export function duplicateKeyIssues(doc: Document, at: (offset: number) => Position): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const pending: unknown[] = [doc.contents];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (!isCollection(node)) continue;
    const seen = new Set<unknown>();
    for (const item of node.items) {
      if (isPair(item)) {
        const key: unknown = item.key;
        const value = isScalar(key) ? key.value : isAlias(key) ? key.source : key;
        if (isMap(node) && seen.has(value)) {
          const range = (key as Node | null)?.range;
          issues.push({ path: [], message: "Map keys must be unique", position: at(range?.[0] ?? 0) });
        }
        seen.add(value);
        pending.push(item.value);
      } else {
        pending.push(item);
      }
    }
  }
  return issues;
}

/**
 * Where each path of the document is written, found in one pass: thousands of issues are placed
 * in linear time (looking each one up from the root would be quadratic).
 */
export class DocumentPositions {
  /** Path → offset of its value node, and of its key when it is a map entry. */
  private readonly values = new Map<string, number>();
  private readonly keys = new Map<string, number>();

  constructor(doc: Document) {
    const pending: { node: unknown; path: readonly (string | number)[] }[] = [
      { node: doc.contents, path: [] },
    ];
    for (let next = pending.pop(); next; next = pending.pop()) {
      const { node, path } = next;
      const offset = (node as Node | null)?.range?.[0];
      if (offset !== undefined) this.values.set(pathKey(path), offset);
      if (!isCollection(node)) continue;
      node.items.forEach((item, index) => {
        if (!isPair(item)) return pending.push({ node: item, path: [...path, index] });
        const key: unknown = item.key;
        const name = isScalar(key) ? String(key.value) : undefined;
        if (name === undefined) return;
        const keyOffset = (key as Node).range?.[0];
        if (keyOffset !== undefined) this.keys.set(pathKey([...path, name]), keyOffset);
        pending.push({ node: item.value, path: [...path, name] });
      });
    }
  }

  /** The offset of the deepest node written along `path`. */
  valueAt(path: readonly (string | number)[]): number {
    for (let depth = path.length; depth >= 0; depth--) {
      const offset = this.values.get(pathKey(path.slice(0, depth)));
      if (offset !== undefined) return offset;
    }
    return 0;
  }

  /** The offset of the key that ends `path`, when it is written in a map. */
  keyAt(path: readonly (string | number)[]): number | undefined {
    return this.keys.get(pathKey(path));
  }
}

function pathKey(path: readonly (string | number)[]): string {
  return path.map(String).join("\u0000");
}

// The module graph of src/ has no cycles through the core (config, components, render, plan,
// apply, host, verify, cli), type-only imports included: each core module can be read (and loaded)
// after the ones it imports.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const SRC = dirname(fileURLToPath(import.meta.url));
const IMPORT = /^(?:import|export)\s[^;]*?\sfrom\s+"(\.{1,2}\/[^"]+)";/gms;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** Module → the modules it imports (relative imports only), as paths under src/. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(IMPORT)].map((m) =>
      relative(SRC, normalize(join(dirname(file), (m[1] ?? "").replace(/\.js$/, ".ts")))),
    );
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

/** One cycle through each strongly connected part of the graph (Tarjan), as module lists. */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node) as number);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (stack.includes(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
      }
    }
    if (low.get(node) === index.get(node)) {
      const part: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member !== undefined) part.push(member);
      } while (member !== node);
      if (part.length > 1) found.push(part.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

const CORE = /^(config|components|render|plan|apply|host|verify|cli)\/|^(stack|loadStack)\.ts$/;

describe("the module graph", () => {
  it("has no import cycle through the core, type-only imports included", () => {
    const graph = importGraph();
    assert.ok(graph.size > 50 && graph.get("stack.ts")?.includes("render/render.ts"), "the graph is read");
    assert.deepEqual(
      cycles(graph).filter((cycle) => cycle.some((module) => CORE.test(module))),
      [],
    );
  });
});

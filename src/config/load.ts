// Reads stackmon.yml: YAML with source positions, ${VAR} interpolation, schema validation and
// stack-wide checks. Every problem is reported at once, each with file:line:col.
import { readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from "yaml";
import type { z } from "zod";
import { ConfigError, UserError, type ConfigIssue, type ConfigPath, type Position } from "./configError.js";
import { controlCharacterIssues } from "./controlCharacters.js";
import type { StackConfig } from "./stackConfig.js";
import type { GlobalSettings } from "./globalSchema.js";
import {
  checkShape,
  checkSize,
  DocumentPositions,
  duplicateKeyIssues,
  isTooDeepForParser,
  plainContents,
  tooDeep,
  tooLarge,
  YAML_LIMITS,
} from "./yamlLimits.js";

export interface LoadOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly schema: z.ZodType<Record<string, unknown>>;
  /** Checks that need the whole validated config (ports, job names); paths point into the file. */
  readonly checkStack: (config: StackConfig) => readonly ConfigIssue[];
  /** Reads the files the config names (dashboards) after the schema, before the stack checks. */
  readonly readFiles?: (config: StackConfig) => {
    readonly config: StackConfig;
    readonly issues: readonly ConfigIssue[];
  };
}

export function loadConfigFile(file: string, options: LoadOptions): StackConfig {
  return parseConfigText(readConfigText(file), file, options);
}

export function readConfigText(file: string): string {
  let size: number;
  let text = "";
  try {
    size = statSync(file).size;
    // A file far too large is refused before it is read into memory.
    if (size <= YAML_LIMITS.bytes) text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      hint: "create one with `stackmon init`, or pick another with -c",
    });
  }
  if (size > YAML_LIMITS.bytes) throw tooLarge(file, size);
  return text;
}

/** Pure apart from the environment it is given: text in, validated config or ConfigError out. */
export function parseConfigText(text: string, file: string, options: LoadOptions): StackConfig {
  const parsed = parseConfigDocument(text, file, options.env);
  const result = validateDocument(parsed.raw, options);
  if ("issues" in result) throw parsed.errorAt(result.issues);
  return result.config;
}

/** A stackmon.yml read as YAML, variables interpolated, not yet validated. */
export interface ConfigDocument {
  readonly raw: Record<string, unknown>;
  /** The error for issues whose paths point into this document, each given its position. */
  errorAt(issues: readonly ConfigIssue[]): ConfigError;
}

/** YAML with positions and ${VAR} interpolation; syntax and unset variables are a ConfigError. */
export function parseConfigDocument(text: string, file: string, env: LoadOptions["env"]): ConfigDocument {
  checkSize(text, file);
  const lineCounter = new LineCounter();
  // Duplicate keys are found below in one pass; the parser's own check is quadratic.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };

  if (doc.errors.some((error) => isTooDeepForParser(error.message))) throw tooDeep(file);
  const syntaxIssues: ConfigIssue[] = doc.errors.map((error) => ({
    path: [],
    message: error.message.split("\n")[0] ?? error.message,
    position: at(error.pos[0]),
  }));
  if (syntaxIssues.length > 0) throw new ConfigError(syntaxIssues);
  checkShape(doc, file);
  const duplicates = duplicateKeyIssues(doc, at);
  if (duplicates.length > 0) throw new ConfigError(duplicates);

  const interpolationIssues = interpolateEnvironment(doc, env, at);
  if (interpolationIssues.length > 0) throw new ConfigError(interpolationIssues);
  const controlIssues = controlCharacterIssues(doc, at, pathOfAncestors);
  if (controlIssues.length > 0) throw new ConfigError(controlIssues);

  const contents: unknown = plainContents(doc, file) ?? {};
  const raw = (typeof contents === "object" && !Array.isArray(contents) ? contents : {}) as Record<
    string,
    unknown
  >;
  let positions: DocumentPositions | undefined;
  return {
    raw,
    errorAt: (issues) => {
      positions ??= new DocumentPositions(doc);
      const placed = positions;
      return new ConfigError(
        sortIssues(
          issues.map((issue) => ({ ...issue, position: issue.position ?? at(issueOffset(placed, issue)) })),
        ),
      );
    },
  };
}

/** Schema and stack checks on a document; issue paths point into it, positions are the caller's. */
export function validateDocument(
  raw: Record<string, unknown>,
  options: Omit<LoadOptions, "env">,
): { readonly config: StackConfig } | { readonly issues: readonly ConfigIssue[] } {
  const parsed = options.schema.safeParse(raw);
  if (!parsed.success) return { issues: parsed.error.issues.flatMap(zodIssueToConfigIssues) };
  const document = parsed.data;
  const global = withHostname(document["global"] as GlobalSettings);
  const parsedConfig: StackConfig = { global, document: { ...document, global } };
  const loaded = options.readFiles?.(parsedConfig) ?? { config: parsedConfig, issues: [] };
  if (loaded.issues.length > 0) return { issues: loaded.issues };
  const { config } = loaded;
  const stackIssues = options.checkStack(config);
  return stackIssues.length > 0 ? { issues: stackIssues } : { config };
}

function withHostname(global: GlobalSettings): GlobalSettings {
  return global.hostname === undefined ? { ...global, hostname: hostname() } : global;
}

const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Replaces ${VAR} in every string scalar; "$$" is a literal "$". Unset variables are issues. */
function interpolateEnvironment(
  doc: Document,
  env: LoadOptions["env"],
  at: (offset: number) => Position,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  visit(doc, {
    Scalar(_key, node, ancestors) {
      if (typeof node.value !== "string" || !node.value.includes("$")) return;
      node.value = node.value.replace(VARIABLE, (match, name: string | undefined) => {
        if (name === undefined) return "$";
        const value = env[name];
        if (value === undefined) {
          issues.push({
            path: pathOfAncestors(ancestors, node),
            message: `environment variable ${name} is not set`,
            position: at(node.range?.[0] ?? 0),
            hint: "export it, or write $$ for a literal dollar sign",
          });
          return match;
        }
        return value;
      });
    },
  });
  return issues;
}

function pathOfAncestors(ancestors: readonly unknown[], leaf: unknown): ConfigPath {
  const path: (string | number)[] = [];
  const chain = [...ancestors, leaf];
  for (let i = 0; i < chain.length - 1; i++) {
    const parent = chain[i];
    const child = chain[i + 1];
    if (isSeq(parent)) path.push(parent.items.indexOf(child));
    if (isPair(parent) && parent.value === child && isScalar(parent.key)) path.push(String(parent.key.value));
  }
  return path;
}

function zodIssueToConfigIssues(issue: z.core.$ZodIssue): ConfigIssue[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      path: [...path, key],
      message: "unknown key",
      atKey: true,
      hint: unknownKeyHint(key, path),
    }));
  }
  return [{ path, message: issue.message }];
}

/** A problem with a key is shown at the key itself; anything else at the deepest node along its path. */
function issueOffset(positions: DocumentPositions, issue: ConfigIssue): number {
  return (issue.atKey ? positions.keyAt(issue.path) : undefined) ?? positions.valueAt(issue.path);
}

function unknownKeyHint(key: string, parent: ConfigPath): string | undefined {
  if (parent.join(".") === "alerting.rules") return 'see "stackmon alerts" for every alert name';
  if (/^(password|token|secret|webhook_url|api_key)$/.test(key)) {
    return `secrets are never written inline: use ${key}_file (a path) or ${key}_env (a variable name)`;
  }
  return "check the spelling; `stackmon schema` lists every key";
}

function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort(
    (a, b) =>
      (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.col ?? 0) - (b.position?.col ?? 0),
  );
}

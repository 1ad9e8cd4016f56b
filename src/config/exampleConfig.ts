// stackmon.yml made of the examples every section declares (each component's, and the core
// sections'): the commented file `stackmon init` writes, and the "full" config with every
// example switched on, which the golden files and the tests that need every component render.
// A new component brings its example along; nothing here names one.
import { parse, stringify } from "yaml";
import type { Component } from "../components/component.js";
import type { CoreSection } from "./stackConfig.js";

/** A section of the file: where it goes, its example, and whether it is on without one. */
interface ExampleSection {
  readonly path: readonly string[];
  readonly example: string;
  /** For a component: its `enabled` default, the one line `init` leaves active. */
  readonly enabledByDefault?: boolean;
}

/** The first core section (global), the components in registry order, then the other core sections. */
function sectionsOf(components: readonly Component[], core: readonly CoreSection[]): ExampleSection[] {
  const coreSection = (section: CoreSection): ExampleSection[] =>
    section.example === undefined ? [] : [{ path: [section.key], example: section.example }];
  const [first, ...rest] = core;
  return [
    ...(first ? coreSection(first) : []),
    ...components.map((component) => ({
      path: component.configPath,
      example: component.example,
      enabledByDefault: component.schema.parse(undefined).enabled,
    })),
    ...rest.flatMap(coreSection),
  ];
}

const HEADER = `# yaml-language-server: $schema=./stackmon.schema.json
# stackmon.yml: the single source of truth for this host's monitoring stack.
# Check it with \`stackmon validate\`; see what it becomes with \`stackmon render --out DIR\`.
# Values may use \${VAR} from the environment (write $$ for a literal dollar sign).
# Secrets are never written here: give a file (*_file) or an environment variable (*_env).
# Each part is on or off as shown; uncomment a line to use it (the values are examples).
`;

const FOOTER = `
# Exposing an endpoint beyond this host requires TLS and basic auth, e.g.:
#   listen_address: 0.0.0.0:9100
#   web:
#     tls: {cert_file: /etc/ssl/node.crt, key_file: /etc/ssl/node.key}
#     basic_auth: {username: prometheus, password_file: /etc/stackmon/secrets/node.password}
`;

/** `enabled: <default>` in place of the example's own value, keeping its comment's column. */
function enabledLine(line: string, enabled: boolean): string {
  return line.replace(/^enabled:\s*\S+ */, (written) => `enabled: ${String(enabled)}`.padEnd(written.length));
}

/**
 * The example's lines commented out at `indent`, but for `enabled`, which shows its default. A
 * core section has no `enabled`: its key is commented out too, and its lines within the comment.
 */
function commentedExample(section: ExampleSection, indent: string): string[] {
  const enabled = section.enabledByDefault;
  const lines = section.example.trimEnd().split("\n");
  if (enabled === undefined) return lines.map((line) => `# ${indent}${line}`);
  const body = lines.map((line) => {
    if (/^enabled:/.test(line)) return `${indent}${enabledLine(line, enabled)}`;
    return line.trimStart().startsWith("#") ? `${indent}${line}` : `${indent}# ${line}`;
  });
  const hasEnabled = lines.some((line) => /^enabled:/.test(line));
  return hasEnabled ? body : [`${indent}enabled: ${String(enabled)}`, ...body];
}

/** The commented stackmon.yml `stackmon init` writes: every section, each example commented out. */
export function initConfig(components: readonly Component[], core: readonly CoreSection[]): string {
  const lines: string[] = [];
  let open: readonly string[] = [];
  for (const section of sectionsOf(components, core)) {
    // A core section has no `enabled`: it is commented out whole, its key included.
    const commentKey = section.enabledByDefault === undefined;
    const shared = open.findIndex((key, i) => section.path[i] !== key);
    const common = shared === -1 ? Math.min(open.length, section.path.length - 1) : shared;
    if (common === 0) lines.push("");
    section.path.forEach((key, depth) => {
      if (depth < common) return;
      lines.push(`${commentKey ? "# " : ""}${"  ".repeat(depth)}${key}:`);
    });
    lines.push(...commentedExample(section, "  ".repeat(section.path.length)));
    open = section.path.slice(0, -1);
  }
  return `${HEADER}${lines.join("\n")}\n${FOOTER}`;
}

/** Every section's example switched on, as one document. */
export function fullExampleDocument(
  components: readonly Component[],
  core: readonly CoreSection[],
): Record<string, unknown> {
  const document: Record<string, unknown> = {};
  for (const section of sectionsOf(components, core)) {
    let node = document;
    for (const key of section.path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[section.path[section.path.length - 1] ?? ""] = parse(section.example) as unknown;
  }
  return document;
}

export function fullExampleConfig(components: readonly Component[], core: readonly CoreSection[]): string {
  return stringify(fullExampleDocument(components, core));
}

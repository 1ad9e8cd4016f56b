// The validated configuration and the schema it is validated against, composed from the registry.
import { z } from "zod";
import type { Component, SettingsIssue } from "../components/component.js";
import type { ConfigIssue } from "./configError.js";
import type { ConfigFiles } from "./configFiles.js";
import type { GlobalSettings } from "./globalSchema.js";

/** A section of stackmon.yml that is not a component's (`global`, `alerting`, `hosts`). */
export interface CoreSection {
  readonly key: string;
  readonly schema: z.ZodType;
  /** Its settings as a person writes them (YAML, comments welcome), as a component's example. */
  readonly example?: string;
}

export interface StackConfig {
  readonly global: GlobalSettings;
  /** The whole parsed document, defaults applied; components read their part by configPath. */
  readonly document: Readonly<Record<string, unknown>>;
}

interface SchemaTree {
  [key: string]: SchemaTree | z.ZodType;
}

/** One strict object schema for stackmon.yml, built from the core sections and the components. */
export function buildConfigSchema(
  components: readonly Component[],
  coreSections: readonly CoreSection[],
): z.ZodType<Record<string, unknown>> {
  const tree: SchemaTree = {};
  for (const section of coreSections) tree[section.key] = section.schema;
  for (const component of components) {
    let node = tree;
    const parents = component.configPath.slice(0, -1);
    for (const key of parents) {
      const child = node[key];
      if (child instanceof z.ZodType) throw new Error(`config path clash at ${key} for ${component.id}`);
      node = child ?? (node[key] = {});
    }
    node[component.configPath[component.configPath.length - 1]!] = component.schema;
  }
  return toSchema(tree);
}

function toSchema(tree: SchemaTree): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const key of Object.keys(tree).sort()) {
    const child = tree[key]!;
    shape[key] = child instanceof z.ZodType ? child : toSchema(child).prefault({});
  }
  return z.strictObject(shape);
}

/** The settings a component's schema produced, found by its config path. */
export function settingsOf(component: Component, config: StackConfig): { readonly enabled: boolean } {
  let value: unknown = config.document;
  for (const key of component.configPath) value = (value as Record<string, unknown>)[key];
  return value as { readonly enabled: boolean };
}

/** The config with one component's settings replaced. */
function withSettings(config: StackConfig, component: Component, settings: unknown): StackConfig {
  const replaceAt = (
    node: Readonly<Record<string, unknown>>,
    path: readonly string[],
  ): Record<string, unknown> => {
    const [key, ...rest] = path;
    if (key === undefined) return settings as Record<string, unknown>;
    return { ...node, [key]: replaceAt((node[key] ?? {}) as Record<string, unknown>, rest) };
  };
  return { ...config, document: replaceAt(config.document, component.configPath) };
}

/** A component's issue, its path made whole (under the component's config path). */
export function configIssueOf(component: Component, issue: SettingsIssue): ConfigIssue {
  return { ...issue, path: [...component.configPath, ...issue.path] };
}

/**
 * Every component reads the files its settings name (see Component.loadFiles): the config
 * render sees, and the problems found, each at its key.
 */
export function loadComponentFiles(
  config: StackConfig,
  components: readonly Component[],
  files: ConfigFiles,
): { readonly config: StackConfig; readonly issues: readonly ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  let loaded = config;
  for (const component of components) {
    const before = settingsOf(component, loaded);
    const settings = component.loadFiles(before, files, (issue) =>
      issues.push(configIssueOf(component, issue)),
    );
    if (settings !== before) loaded = withSettings(loaded, component, settings);
  }
  return { config: loaded, issues };
}

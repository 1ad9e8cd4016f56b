// The validated configuration and the schema it is validated against, composed from the registry.
import { z } from "zod";
import type { Component } from "../components/component.js";
import type { GlobalSettings } from "./globalSchema.js";

/** A section of stackmon.yml that is not a component's (`global`, `alerting`, `hosts`). */
export interface CoreSection {
  readonly key: string;
  readonly schema: z.ZodType;
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

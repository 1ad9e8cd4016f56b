// The public core in one place: load a stackmon.yml against the registry, render it.
import type { RenderTarget } from "./components/component.js";
import { components } from "./components/registry.js";
import { coreSections } from "./config/coreSections.js";
import { loadConfigFile, parseConfigText } from "./config/load.js";
import { buildConfigSchema, type StackConfig } from "./config/stackConfig.js";
import type { DesiredState } from "./render/desiredState.js";
import { render } from "./render/render.js";
import { checkStack } from "./render/stackChecks.js";
import { alertingSection } from "./alerting/alertingSettings.js";
import { alertCatalog } from "./alerting/catalog.js";

export const configSchema = buildConfigSchema(components, [
  ...coreSections,
  alertingSection(alertCatalog(components)),
]);

type Env = Readonly<Record<string, string | undefined>>;

const loadOptions = (env: Env) => ({
  env,
  schema: configSchema,
  checkStack: (config: StackConfig) => checkStack(config, components),
});

export function loadStackConfig(file: string, env: Env = process.env): StackConfig {
  return loadConfigFile(file, loadOptions(env));
}

export function parseStackConfig(text: string, file = "stackmon.yml", env: Env = {}): StackConfig {
  return parseConfigText(text, file, loadOptions(env));
}

export function renderStack(config: StackConfig, target: RenderTarget): DesiredState {
  return render(config, target, components);
}

export const HOST_TARGET: RenderTarget = { root: "", platform: "systemd" };

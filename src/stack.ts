// The public core in one place: load a stackmon.yml against the registry, render it.
import type { RenderTarget } from "./components/component.js";
import { components } from "./components/registry.js";
import { coreSections } from "./config/coreSections.js";
import {
  loadConfigFile,
  parseConfigDocument,
  parseConfigText,
  readConfigText,
  validateDocument,
} from "./config/load.js";
import { buildConfigSchema, type StackConfig } from "./config/stackConfig.js";
import type { DesiredState } from "./render/desiredState.js";
import { render } from "./render/render.js";
import { checkStack } from "./render/stackChecks.js";
import { alertingSection } from "./alerting/alertingSettings.js";
import { alertCatalog, alertingSettingsOf } from "./alerting/catalog.js";
import { routingIssues } from "./alerting/routingChecks.js";
import { hostsOfConfig, type LabelledHost } from "./alerting/selector.js";
import { buildFleet, type Fleet } from "./fleet/fleet.js";
import { inventorySection } from "./fleet/inventory.js";
import { renderHost } from "./fleet/renderFleet.js";
import type { HostFacts } from "./render/render.js";
import type { StackRenderer } from "./plan/hostStack.js";

const catalog = alertCatalog(components);

export const configSchema = buildConfigSchema(components, [
  ...coreSections,
  alertingSection(catalog),
  inventorySection,
]);

type Env = Readonly<Record<string, string | undefined>>;

/** Owner routes and maintenance windows against the hosts alerts can come from. */
function checkRouting(config: StackConfig, hosts: readonly LabelledHost[], inventory: boolean) {
  return routingIssues(alertingSettingsOf(config), {
    hosts,
    inventory,
    componentIds: components.map((c) => c.id),
    alertNames: [...new Set(catalog.map((a) => a.name))],
  });
}

const loadOptions = (env: Env) => ({
  env,
  schema: configSchema,
  checkStack: (config: StackConfig) => [
    ...checkStack(config, components),
    ...checkRouting(config, hostsOfConfig(config), config.document["hosts"] !== undefined),
  ],
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

export interface FleetLoadOptions {
  readonly env?: Env;
  /** Where the fleet's CA and generated passwords are kept (see controllerPaths). */
  readonly stateDir: string;
}

/** Every host the file describes, each validated; a file without hosts: is this machine alone. */
export function loadFleet(file: string, options: FleetLoadOptions): Fleet {
  return parseFleet(readConfigText(file), file, options);
}

export function parseFleet(text: string, file: string, options: FleetLoadOptions): Fleet {
  const env = options.env ?? process.env;
  const document = parseConfigDocument(text, file, env);
  // Each host is checked alone; routing names hosts, so it is checked once against them all.
  const fleet = buildFleet(document.raw, {
    components,
    stateDir: options.stateDir,
    validate: (raw) =>
      validateDocument(raw, { schema: configSchema, checkStack: (config) => checkStack(config, components) }),
  });
  if ("issues" in fleet) throw document.errorAt(fleet.issues);
  const [first] = fleet.hosts;
  const routing = first ? checkRouting(first.config, fleet.hosts, fleet.inventory) : [];
  if (routing.length > 0) throw document.errorAt(routing);
  return fleet;
}

/** One host's desired state; for a file without hosts:, exactly what renderStack gives. */
export function renderFleetHost(
  fleet: Fleet,
  host: string,
  target: RenderTarget,
  facts: HostFacts = {},
): DesiredState {
  return renderHost(fleet, host, target, components, facts);
}

/** The renderer hostStack takes, for a file without hosts:. */
export function stackRenderer(config: StackConfig): StackRenderer {
  return (target, facts) => render(config, target, components, facts);
}

/** The renderer hostStack takes, for one host of a fleet. */
export function fleetHostRenderer(fleet: Fleet, host: string): StackRenderer {
  return (target, facts) => renderHost(fleet, host, target, components, facts);
}

// Loading a stackmon.yml against the registry: schema, stack-wide checks, the fleet. Nothing here
// renders, so that `validate` answers without loading the renderer or any dashboards.
import { components } from "./components/registry.js";
import { coreSections } from "./config/coreSections.js";
import {
  loadConfigFile,
  parseConfigDocument,
  parseConfigText,
  readConfigText,
  validateDocument,
} from "./config/load.js";
import { diskConfigFiles, type ConfigFiles } from "./config/configFiles.js";
import { fullExampleConfig, fullExampleDocument, initConfig } from "./config/exampleConfig.js";
import { buildConfigSchema, loadComponentFiles, type StackConfig } from "./config/stackConfig.js";
import { checkStack } from "./render/stackChecks.js";
import { alertCatalog, alertingSettingsOf } from "./alerting/catalog.js";
import { routingIssues } from "./alerting/routingChecks.js";
import { hostsOfConfig, type LabelledHost } from "./alerting/selector.js";
import { buildFleet, type Fleet } from "./fleet/fleet.js";

const catalog = alertCatalog(components);

const sections = coreSections(components);

export const configSchema = buildConfigSchema(components, sections);

/** The commented stackmon.yml `stackmon init` writes, made of every section's example. */
export const initConfigText = (): string => initConfig(components, sections);

/** Every section's example switched on: the "full" config of the golden files and tests. */
export const fullExampleText = (): string => fullExampleConfig(components, sections);

/** The full config as a document, for a test that changes one part of it. */
export const fullExample = (): Record<string, unknown> => fullExampleDocument(components, sections);

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

/** The files the config names (dashboards) are read through `files`, after the schema. */
const readFilesWith = (files: ConfigFiles) => (config: StackConfig) =>
  loadComponentFiles(config, components, files);

const loadOptions = (env: Env, files: ConfigFiles) => ({
  env,
  schema: configSchema,
  readFiles: readFilesWith(files),
  checkStack: (config: StackConfig) => [
    ...checkStack(config, components),
    ...checkRouting(config, hostsOfConfig(config), config.document["hosts"] !== undefined),
  ],
});

export function loadStackConfig(
  file: string,
  env: Env = process.env,
  files: ConfigFiles = diskConfigFiles,
): StackConfig {
  return loadConfigFile(file, loadOptions(env, files));
}

export function parseStackConfig(
  text: string,
  file = "stackmon.yml",
  env: Env = {},
  files: ConfigFiles = diskConfigFiles,
): StackConfig {
  return parseConfigText(text, file, loadOptions(env, files));
}

export interface FleetLoadOptions {
  readonly env?: Env;
  /** Where the files the config names are read (default: this machine's disk). */
  readonly files?: ConfigFiles;
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
      validateDocument(raw, {
        schema: configSchema,
        readFiles: readFilesWith(options.files ?? diskConfigFiles),
        checkStack: (config) => checkStack(config, components),
      }),
  });
  if ("issues" in fleet) throw document.errorAt(fleet.issues);
  const [first] = fleet.hosts;
  const routing = first ? checkRouting(first.config, fleet.hosts, fleet.inventory) : [];
  if (routing.length > 0) throw document.errorAt(routing);
  return fleet;
}

// A fleet: every host of stackmon.yml with its own validated configuration. A file without
// `hosts:` is a fleet of one, this machine, exactly as before inventories existed.
import { alertingSettingsOf } from "../alerting/catalog.js";
import type { Component } from "../components/component.js";
import type { ConfigIssue } from "../config/configError.js";
import { parseListen } from "../config/schemaParts.js";
import { settingsOf, type StackConfig } from "../config/stackConfig.js";
import { controllerPaths } from "./controllerPaths.js";
import {
  exposedDocument,
  getPath,
  hostSettings,
  issuePathInFile,
  mergedDocument,
  misplacedKeys,
  pairedDocument,
  placeComponents,
  type Exposure,
} from "./hostDocuments.js";
import {
  HOST_NAME,
  hasRole,
  hostEntrySchema,
  inventoryHost,
  isIpLiteral,
  type InventoryHost,
} from "./inventory.js";

export interface FleetHost extends InventoryHost {
  readonly config: StackConfig;
  /** Components the servers scrape over the network (empty for a file without hosts:). */
  readonly exposed: readonly string[];
  /** Of those, the ones that get a certificate from stackmon's CA (the user gave none). */
  readonly generatedTls: readonly string[];
}

export interface Fleet {
  /** Sorted by name. */
  readonly hosts: readonly FleetHost[];
  /** Whether the file has an inventory; without one, the only host is this machine. */
  readonly inventory: boolean;
  /** Where stackmon keeps the fleet's CA and generated passwords (on the machine it runs on). */
  readonly stateDir: string;
}

/** Validates one host's whole document (schema and stack checks); paths point into that document. */
export type HostValidator = (
  document: Record<string, unknown>,
) => { readonly config: StackConfig } | { readonly issues: readonly ConfigIssue[] };

export interface FleetOptions {
  readonly components: readonly Component[];
  readonly validate: HostValidator;
  readonly stateDir: string;
}

type Raw = Record<string, unknown>;
const isRecord = (value: unknown): value is Raw =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The fleet a document describes, or every problem with it (paths into the file). */
export function buildFleet(document: Raw, options: FleetOptions): Fleet | { readonly issues: ConfigIssue[] } {
  const entries = document["hosts"];
  if (entries === undefined) {
    const result = options.validate(document);
    if ("issues" in result) return { issues: [...result.issues] };
    const name = result.config.global.hostname ?? "localhost";
    return {
      inventory: false,
      stateDir: options.stateDir,
      hosts: [
        {
          name,
          connection: { kind: "local" },
          address: "127.0.0.1",
          roles: ["server", "storage"],
          labels: {},
          config: result.config,
          exposed: [],
          generatedTls: [],
        },
      ],
    };
  }
  const shared = Object.fromEntries(Object.entries(document).filter(([key]) => key !== "hosts"));
  if ((shared["global"] as Raw | undefined)?.["hostname"] !== undefined) {
    return {
      issues: [{ path: ["global", "hostname"], message: "a fleet names each host by its key under hosts:" }],
    };
  }
  const inventory = parseInventory(entries);
  const issues: IssueWithHost[] = inventory.issues.map((issue) => ({ issue, host: "" }));
  const hosts: FleetHost[] = [];
  const inventoryHosts = inventory.hosts.map(({ host }) => host);
  for (const { host, own } of inventory.hosts) {
    const result = hostConfig(host, own, shared, options, inventoryHosts);
    if ("issues" in result) {
      issues.push(...result.issues.map((issue) => ({ issue, host: host.name })));
    } else {
      hosts.push(result);
    }
  }
  if (issues.length > 0) return { issues: mergeHostIssues(issues) };
  return {
    inventory: true,
    stateDir: options.stateDir,
    hosts: hosts.sort((a, b) => a.name.localeCompare(b.name)),
  };
}

interface ParsedHost {
  readonly host: InventoryHost;
  readonly own: Raw;
}

/** The hosts whose entries are well formed, and every problem with the others and the whole. */
function parseInventory(entries: unknown): { hosts: ParsedHost[]; issues: ConfigIssue[] } {
  if (!isRecord(entries) || Object.keys(entries).length === 0) {
    return {
      hosts: [],
      issues: [{ path: ["hosts"], message: "must map each host's name to how to reach it" }],
    };
  }
  const issues: ConfigIssue[] = [];
  const hosts: ParsedHost[] = [];
  for (const [name, value] of Object.entries(entries).sort(([a], [b]) => a.localeCompare(b))) {
    if (!HOST_NAME.test(name)) {
      issues.push({
        path: ["hosts", name],
        message: "a host name is lower-case letters, digits and -, at most 63 characters",
        atKey: true,
      });
      continue;
    }
    const parsed = hostEntrySchema.safeParse(value ?? {});
    if (!parsed.success) {
      issues.push(
        ...parsed.error.issues.map((issue) => ({
          path: ["hosts", name, ...issue.path.filter((p): p is string | number => typeof p !== "symbol")],
          message: issue.message,
        })),
      );
      continue;
    }
    hosts.push({ host: inventoryHost(name, parsed.data), own: hostSettings(parsed.data) });
  }
  if (issues.length === 0 && !hosts.some(({ host }) => hasRole(host, "server"))) {
    issues.push({
      path: ["hosts"],
      message: "no host has the role server: nothing would run Prometheus",
      hint: "add roles: [server] to the host that watches the others",
    });
  }
  const byAddress = new Map<string, string>();
  for (const { host } of hosts) {
    const other = byAddress.get(host.address);
    if (other !== undefined) {
      issues.push({
        path: ["hosts", host.name, "address"],
        message: `${host.address} is also ${other}'s address`,
        hint: "give each host the address the others reach it at",
      });
    }
    byAddress.set(host.address, host.name);
  }
  return { hosts, issues };
}

function hostConfig(
  host: InventoryHost,
  own: Raw,
  shared: Raw,
  options: FleetOptions,
  inventory: readonly InventoryHost[],
): FleetHost | { issues: ConfigIssue[] } {
  const { components } = options;
  const servers = inventory.filter((h) => hasRole(h, "server"));
  const placement = placeComponents(components, host, own, (role) =>
    role === "server" ? servers.length : inventory.filter((h) => hasRole(h, role)).length,
  );
  const early = [...misplacedKeys(components, host.name, own), ...placement.issues];
  if (early.length > 0) return { issues: early };
  const toFile = (issues: readonly ConfigIssue[]) =>
    issues.map((issue) => ({ ...issue, path: issuePathInFile(issue.path, host.name, own, shared) }));

  const bindHost = isIpLiteral(host.address) ? host.address : "0.0.0.0";
  const base = mergedDocument(shared, own, host, components, placement.placement.placed);
  const paired = hasRole(host, "server") && servers.length > 1;
  const merged = paired ? pairedDocument(base, host, servers, bindHost) : base;
  const first = options.validate(merged);
  if ("issues" in first) return { issues: toFile(first.issues) };
  if (paired && alertingSettingsOf(first.config).engine === "grafana")
    return { issues: toFile([GRAFANA_IN_A_PAIR]) };

  const ports = new Map<string, number>();
  for (const component of placement.placement.exposed) {
    const settings = settingsOf(component, first.config) as { enabled: boolean; listen_address?: unknown };
    const listen =
      typeof settings.listen_address === "string" ? parseListen(settings.listen_address) : undefined;
    if (settings.enabled && listen) ports.set(component.id, listen.port);
  }
  const paths = controllerPaths(options.stateDir);
  const exposure: Exposure = {
    bindHost,
    tlsPaths: (id) => ({ cert_file: `/etc/stackmon/tls/${id}.crt`, key_file: `/etc/stackmon/tls/${id}.key` }),
    basicAuth: { username: "prometheus", password_file: paths.scrapePassword(host.name) },
  };
  const { document, tlsFor } = exposedDocument(merged, placement.placement.exposed, ports, exposure);
  const listening = placement.placement.exposed.filter((component) => ports.has(component.id));
  const loopback = loopbackIssues(host, servers, listening, { merged, document }, toFile);
  if (loopback.length > 0) return { issues: loopback };
  const final = options.validate(document);
  if ("issues" in final) return { issues: toFile(final.issues) };
  return {
    ...host,
    config: final.config,
    exposed: [...ports.keys()].sort(),
    generatedTls: [...tlsFor].sort(),
  };
}

/**
 * Each Grafana of a pair would evaluate every rule and post every alert itself, and keep its own
 * silences: Grafana's HA alerting gossips without TLS and is not something stackmon can test here.
 */
const GRAFANA_IN_A_PAIR: ConfigIssue = {
  path: ["alerting", "engine"],
  message:
    "grafana cannot be the engine of two servers: each Grafana would post every alert, and silence alone",
  hint: "leave engine: alertmanager (the default) for a pair: the Alertmanagers form one cluster",
};

const LOOPBACK = /^(127\.|::1$|localhost$)/;

/**
 * Exposed endpoints the other servers could not reach. A host scraped by itself alone (the only
 * server) may keep everything on loopback. A loopback address of the host's is reported once, at
 * the address, rather than at every listen_address stackmon derived from it. Paths are the file's.
 */
function loopbackIssues(
  host: InventoryHost,
  servers: readonly InventoryHost[],
  exposed: readonly Component[],
  documents: { readonly merged: Raw; readonly document: Raw },
  toFile: (issues: readonly ConfigIssue[]) => ConfigIssue[],
): ConfigIssue[] {
  if (servers.every((server) => server.name === host.name)) return [];
  const listenOf = (from: Raw, component: Component) => {
    const listen = getPath(from, [...component.configPath, "listen_address"]);
    return typeof listen === "string" ? parseListen(listen) : undefined;
  };
  const onLoopback = exposed.filter((component) => {
    const parsed = listenOf(documents.document, component);
    return parsed !== undefined && LOOPBACK.test(parsed.host);
  });
  // Set by the user (in the document before exposure), not derived from the host's address.
  const userSet = onLoopback.filter((component) => listenOf(documents.merged, component) !== undefined);
  const atAddress: ConfigIssue = {
    path: ["hosts", host.name, "address"],
    message: `is ${host.address}, a loopback address: the other servers cannot scrape ${host.name} there`,
    hint: "give the address the servers reach this host at (address: 10.0.0.12)",
  };
  return [
    ...(onLoopback.length > userSet.length ? [atAddress] : []),
    ...toFile(
      userSet.map((component) => ({
        path: [...component.configPath, "listen_address"],
        message: `listens on loopback only, so the servers cannot scrape ${host.name}'s ${component.title}`,
        hint: "leave listen_address out in a fleet: stackmon listens on the host's address with TLS and basic auth",
      })),
    ),
  ];
}

interface IssueWithHost {
  readonly issue: ConfigIssue;
  readonly host: string;
}

/** A shared setting wrong on several hosts is one problem, naming the hosts. */
function mergeHostIssues(issues: readonly IssueWithHost[]): ConfigIssue[] {
  const byKey = new Map<string, { issue: ConfigIssue; hosts: string[] }>();
  for (const { issue, host } of issues) {
    const key = `${issue.path.join("\u0000")}\u0001${issue.message}`;
    const entry = byKey.get(key) ?? { issue, hosts: [] };
    entry.hosts.push(host);
    byKey.set(key, entry);
  }
  return [...byKey.values()].map(({ issue, hosts }) =>
    issue.path[0] === "hosts"
      ? issue
      : { ...issue, message: `${issue.message} (on ${[...new Set(hosts)].join(", ")})` },
  );
}

/** The hosts that run Prometheus. */
export function servers(fleet: Fleet): readonly FleetHost[] {
  return fleet.hosts.filter((host) => hasRole(host, "server"));
}

// One stackmon.yml, many hosts: each host's document is the file's shared settings with the host's
// own on top, its components placed by role, and its exporters exposed to the servers with TLS
// and basic auth. Pure: raw documents in, raw documents and issues out; the schema runs after.
import type { Component } from "../components/component.js";
import type { ConfigIssue, ConfigPath } from "../config/configError.js";
import { HOST_ENTRY_KEYS, hasRole, type InventoryHost, type Role } from "./inventory.js";

type Raw = Record<string, unknown>;

function isRecord(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Maps merge key by key; anything else (lists included) is replaced by the host's value. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isRecord(base) || !isRecord(override)) return override === undefined ? base : override;
  const merged: Raw = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = deepMerge(base[key], value);
  return merged;
}

export function getPath(value: unknown, path: ConfigPath): unknown {
  let node = value;
  for (const key of path) {
    if (typeof key === "number") node = Array.isArray(node) ? (node as unknown[])[key] : undefined;
    else node = isRecord(node) ? node[key] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

function setPath(value: Raw, path: readonly string[], leaf: unknown): Raw {
  const [key, ...rest] = path;
  if (key === undefined) return value;
  const existing = value[key];
  const child = isRecord(existing) ? existing : {};
  return { ...value, [key]: rest.length === 0 ? leaf : setPath(child, rest, leaf) };
}

/** Sections that are the whole fleet's, never one host's. */
const FLEET_WIDE = new Set(["global", "alerting", "hosts"]);

/** A host's own settings: its entry without the keys that say how it is reached. */
export function hostSettings(entry: Raw): Raw {
  return Object.fromEntries(Object.entries(entry).filter(([key]) => !HOST_ENTRY_KEYS.has(key)));
}

export interface HostPlacement {
  /** Components that run on the host. */
  readonly placed: readonly Component[];
  /** Of those, the ones the servers scrape over the network. */
  readonly exposed: readonly Component[];
}

/**
 * Which components run on a host: those without a role run everywhere (their `enabled` decides);
 * a role's components run on hosts with that role, and elsewhere only when the host's own entry
 * asks for them (a blackbox exporter probing from inside a network). The servers reach the
 * exporters and the role components that say so over the network.
 */
export function placeComponents(
  components: readonly Component[],
  host: InventoryHost,
  own: Raw,
  hostsWithRole: (role: Role) => number,
): { placement: HostPlacement; issues: ConfigIssue[] } {
  const placed: Component[] = [];
  const exposed: Component[] = [];
  const issues: ConfigIssue[] = [];
  for (const component of components) {
    const placement = component.placement;
    if (!placement) {
      placed.push(component);
      exposed.push(component);
      continue;
    }
    if (hasRole(host, placement.role)) {
      placed.push(component);
      const paired = placement.peers === true && hostsWithRole(placement.role) > 1;
      if (placement.exposed === true || paired) exposed.push(component);
      continue;
    }
    if (getPath(own, component.configPath) === undefined) continue;
    if (placement.elsewhere === "when-set-on-host") {
      placed.push(component);
      exposed.push(component);
      continue;
    }
    issues.push({
      path: ["hosts", host.name, ...component.configPath],
      message: `${component.title} runs only on hosts with the role ${placement.role}; ${host.name} has ${
        host.roles.length ? `the roles ${host.roles.join(", ")}` : "no role"
      }`,
      hint: `add ${placement.role} to hosts.${host.name}.roles, or move these settings to a host that has it`,
    });
  }
  return { placement: { placed, exposed }, issues };
}

/** Keys under a host that belong to the whole fleet, or to no component at all. */
export function misplacedKeys(components: readonly Component[], hostName: string, own: Raw): ConfigIssue[] {
  const roots = new Set(components.map((c) => c.configPath[0]));
  return Object.keys(own).flatMap((key): ConfigIssue[] => {
    if (FLEET_WIDE.has(key)) {
      return [
        {
          path: ["hosts", hostName, key],
          message: "is the whole fleet's: set it at the top level of the file",
          atKey: true,
        },
      ];
    }
    if (roots.has(key)) return [];
    return [
      {
        path: ["hosts", hostName, key],
        message: "unknown key",
        atKey: true,
        hint: `a host takes ssh, local, address, roles, labels and the settings of its components (${[...roots].sort().join(", ")})`,
      },
    ];
  });
}

/** The host's document before its exporters are exposed: shared settings, its own, placement. */
export function mergedDocument(
  shared: Raw,
  own: Raw,
  host: InventoryHost,
  components: readonly Component[],
  placed: readonly Component[],
): Raw {
  let document = deepMerge(shared, own) as Raw;
  document = setPath(document, ["global", "hostname"], host.name);
  for (const component of components) {
    const settings = getPath(document, component.configPath);
    if (placed.includes(component)) {
      // A host with a role runs that role's components unless the file turns one off.
      const byRole = component.placement && hasRole(host, component.placement.role);
      if (byRole && (!isRecord(settings) || settings["enabled"] === undefined)) {
        document = setPath(document, [...component.configPath], {
          ...(isRecord(settings) ? settings : {}),
          enabled: true,
        });
      }
      continue;
    }
    document = setPath(document, [...component.configPath], {
      ...(isRecord(settings) ? settings : {}),
      enabled: false,
    });
  }
  return document;
}

/** Where the servers reach a host's exporter, and with what it proves itself and checks them. */
export interface Exposure {
  /** The address its listeners bind to: the host's address when it is an IP, else every address. */
  readonly bindHost: string;
  /** Certificate and key paths on the host, for a component's id. */
  readonly tlsPaths: (componentId: string) => { readonly cert_file: string; readonly key_file: string };
  /** The user Prometheus scrapes as, and the file (where stackmon runs) that holds its password. */
  readonly basicAuth: { readonly username: string; readonly password_file: string };
}

/**
 * Listen address, TLS and basic auth for each exposed endpoint the user left unset. `ports` is
 * each exposed component's listen port as its schema's defaults give it.
 */
export function exposedDocument(
  document: Raw,
  exposed: readonly Component[],
  ports: ReadonlyMap<string, number>,
  exposure: Exposure,
): { document: Raw; tlsFor: readonly string[] } {
  let result = document;
  const tlsFor: string[] = [];
  for (const component of exposed) {
    const port = ports.get(component.id);
    if (port === undefined) continue;
    const settings = getPath(result, component.configPath);
    const own = isRecord(settings) ? settings : {};
    const web = isRecord(own["web"]) ? own["web"] : {};
    const host = exposure.bindHost.includes(":") ? `[${exposure.bindHost}]` : exposure.bindHost;
    const next: Raw = {
      ...own,
      listen_address: own["listen_address"] ?? `${host}:${port}`,
      web: {
        ...web,
        tls: web["tls"] ?? exposure.tlsPaths(component.id),
        basic_auth: web["basic_auth"] ?? exposure.basicAuth,
      },
    };
    if (web["tls"] === undefined) tlsFor.push(component.id);
    result = setPath(result, [...component.configPath], next);
  }
  return { document: result, tlsFor };
}

/**
 * Where in the file an issue of a host's merged document belongs: under the host's entry when the
 * host set (part of) that key, else at the shared setting.
 */
export function issuePathInFile(path: ConfigPath, hostName: string, own: Raw, shared: Raw): ConfigPath {
  const depth = (value: Raw) => {
    let d = 0;
    while (d < path.length && getPath(value, path.slice(0, d + 1)) !== undefined) d++;
    return d;
  };
  const ownDepth = depth(own);
  return ownDepth > 0 && ownDepth >= depth(shared) ? ["hosts", hostName, ...path] : path;
}

/** The Alertmanager cluster port every server of a pair gossips on. */
export const CLUSTER_PORT = 9094;

/** The fleet's CA certificate where a host's own services read it (Alertmanager's gossip). */
export const FLEET_CA_ON_HOST = "/etc/stackmon/tls/ca.crt";

/**
 * A server of a pair: its Prometheus's samples and alerts carry `replica` (dropped before
 * Alertmanager and storage, so the two deduplicate), and its Alertmanager gossips with the
 * others' over mutual TLS with the fleet's certificates. A cluster the user set stays theirs.
 */
export function pairedDocument(
  document: Raw,
  host: InventoryHost,
  servers: readonly InventoryHost[],
  bindHost: string,
): Raw {
  const global = isRecord(document["global"]) ? document["global"] : {};
  const labels = isRecord(global["external_labels"]) ? global["external_labels"] : {};
  const result = setPath(document, ["global", "external_labels"], { ...labels, replica: host.name });
  if (getPath(result, ["alertmanager", "cluster"]) !== undefined) return result;
  const at = (address: string) => `${address.includes(":") ? `[${address}]` : address}:${CLUSTER_PORT}`;
  return setPath(result, ["alertmanager", "cluster"], {
    listen_address: at(bindHost),
    peers: servers.filter((peer) => peer.name !== host.name).map((peer) => at(peer.address)),
    tls: {
      cert_file: "/etc/stackmon/tls/alertmanager.crt",
      key_file: "/etc/stackmon/tls/alertmanager.key",
      ca_file: FLEET_CA_ON_HOST,
    },
  });
}

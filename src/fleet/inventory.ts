// The inventory: the `hosts:` section of stackmon.yml. Each host has a name, a way to reach it
// (SSH, or this machine), the address the other hosts reach it at, its roles and its own settings
// on top of the file's shared defaults.
import { z } from "zod";

/** What a host is for beyond being watched: `server` runs Prometheus, Alertmanager and Grafana. */
export const ROLES = ["server", "storage"] as const;
export type Role = (typeof ROLES)[number];

/**
 * A host name is the `instance` label of everything it exports and the name alerts say, so it
 * must read well and be safe in a label, a file name and a certificate's DNS name.
 */
export const HOST_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * `[user@]host[:port]` or an alias from ~/.ssh/config. Never starting with "-": ssh would take it
 * for an option.
 */
const SSH_DESTINATION =
  /^(?:([A-Za-z0-9._][A-Za-z0-9._-]*)@)?([A-Za-z0-9._][A-Za-z0-9._-]*|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;

export interface SshDestination {
  readonly user?: string;
  /** As ssh is given it: a name its config may know, or an address. */
  readonly host: string;
  readonly port?: number;
}

export function parseSshDestination(text: string): SshDestination | undefined {
  const match = SSH_DESTINATION.exec(text);
  if (!match) return undefined;
  const port = match[3] === undefined ? undefined : Number(match[3]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  const host = (match[2] ?? "").replace(/^\[|\]$/g, "");
  return { ...(match[1] ? { user: match[1] } : {}), host, ...(port !== undefined ? { port } : {}) };
}

const address = z
  .string()
  .regex(/^(?:[A-Za-z0-9.-]+|[0-9A-Fa-f:]+)$/, "must be an IP address or a DNS name")
  .refine((text) => !text.startsWith("-") && !text.startsWith("."), {
    message: "must be an IP address or a DNS name",
  });

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "must be a Prometheus label name");
/** Labels that stackmon sets itself on every series of a host. */
const RESERVED_LABELS = new Set(["instance", "job", "host", "replica"]);

/** The keys of a host entry that say how it is reached and what it is; the rest are its settings. */
export const hostEntrySchema = z
  .looseObject({
    /** How the controller reaches it: `[user@]host[:port]` or an ~/.ssh/config alias. */
    ssh: z
      .string()
      .refine((text) => parseSshDestination(text) !== undefined, {
        message: 'must be "[user@]host[:port]" or a name from ~/.ssh/config',
      })
      .optional(),
    /** This machine, the one that runs stackmon, instead of SSH. */
    local: z.literal(true).optional(),
    /** The address the other hosts reach it at (default: the host part of `ssh`). */
    address: address.optional(),
    roles: z.array(z.enum(ROLES)).default([]),
    /**
     * The host's own certificate instead of one from stackmon's CA: its certificate, key and the
     * CA that signed it, as files where stackmon runs (the servers then trust that CA for it).
     */
    tls: z
      .strictObject({
        cert_file: z.string().startsWith("/", "must be an absolute path"),
        key_file: z.string().startsWith("/", "must be an absolute path"),
        ca_file: z.string().startsWith("/", "must be an absolute path"),
      })
      .optional(),
    /** Added to every series of the host: route its alerts, filter dashboards (e.g. team: db). */
    labels: z
      .record(
        labelName.refine((name) => !RESERVED_LABELS.has(name), { message: "is set by stackmon itself" }),
        z.string().min(1),
      )
      .default({}),
  })
  .superRefine((entry, ctx) => {
    if ((entry.ssh === undefined) === (entry.local === undefined)) {
      ctx.addIssue({ code: "custom", path: [], message: "set exactly one of ssh and local: true" });
    }
    if (entry.local && entry.address === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["address"],
        message: "a local host needs the address the other hosts reach it at",
      });
    }
    if (new Set(entry.roles).size !== entry.roles.length) {
      ctx.addIssue({ code: "custom", path: ["roles"], message: "lists a role twice" });
    }
  });

export type HostEntry = z.infer<typeof hostEntrySchema>;

/** The keys of a host entry that are not settings. */
export const HOST_ENTRY_KEYS: ReadonlySet<string> = new Set([
  "ssh",
  "local",
  "address",
  "roles",
  "labels",
  "tls",
]);

export type Connection =
  | { readonly kind: "local" }
  | { readonly kind: "ssh"; readonly destination: SshDestination; readonly text: string };

/** A host of the inventory, as the rest of stackmon sees it. */
export interface InventoryHost {
  readonly name: string;
  readonly connection: Connection;
  /** Where the other hosts reach it (scrapes, peers). */
  readonly address: string;
  readonly roles: readonly Role[];
  readonly labels: Readonly<Record<string, string>>;
  /** Its own certificate, key and CA (files where stackmon runs), else stackmon's CA issues one. */
  readonly tls?: { readonly cert_file: string; readonly key_file: string; readonly ca_file: string };
}

export function inventoryHost(name: string, entry: HostEntry): InventoryHost {
  const destination = entry.ssh === undefined ? undefined : parseSshDestination(entry.ssh);
  const connection: Connection =
    destination && entry.ssh !== undefined
      ? { kind: "ssh", destination, text: entry.ssh }
      : { kind: "local" };
  return {
    name,
    connection,
    address: entry.address ?? destination?.host ?? "127.0.0.1",
    roles: [...entry.roles].sort(),
    labels: entry.labels,
    ...(entry.tls ? { tls: entry.tls } : {}),
  };
}

export function hasRole(host: InventoryHost, role: Role): boolean {
  return host.roles.includes(role);
}

/** An IP literal a listener can bind to; a DNS name is reached but not bound. */
export function isIpLiteral(text: string): boolean {
  return /^\d{1,3}(?:\.\d{1,3}){3}$/.test(text) || (text.includes(":") && /^[0-9A-Fa-f:.]+$/.test(text));
}

/** The `hosts:` section as the config schema knows it; each host's settings are checked merged. */
export const inventorySection = {
  key: "hosts",
  schema: z.record(z.string(), hostEntrySchema).optional(),
} as const;

// prometheus.remote_write: where Prometheus also sends every sample it stores, in the keys
// Prometheus 2.42 knows. Secrets are given by reference and reach Prometheus only as its own
// copies (0640 root:prometheus), like the passwords it scrapes with; TLS files are read in place.
import { z } from "zod";
import {
  basicAuthSettings,
  duration,
  httpUrl,
  isLoopback,
  secretReference,
  secretRefFrom,
} from "../../config/schemaParts.js";
import type { ConfigPath } from "../../config/configError.js";
import type { FileSpec, ScrapeJob, SecretRef } from "../../render/desiredState.js";
import type { Endpoint, StackContext } from "../component.js";
import { scrapeJobFor } from "../shared/endpoint.js";

/** Where Prometheus keeps its copies of remote-write secrets. */
export const REMOTE_WRITE_SECRETS_DIR = "/etc/prometheus/secrets/remote-write";

/** The names stackmon gives the remote writes it adds itself (to its own storage). */
export const STACKMON_REMOTE_WRITE_PREFIX = "stackmon-";

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "must be a Prometheus label name");

/** The relabel actions Prometheus 2.42 knows (keepequal and dropequal arrived in 2.41). */
const RELABEL_ACTIONS = [
  "replace",
  "keep",
  "drop",
  "keepequal",
  "dropequal",
  "hashmod",
  "labelmap",
  "labeldrop",
  "labelkeep",
  "lowercase",
  "uppercase",
] as const;

/** Actions that write one label and so need target_label (Prometheus's own rule). */
const NEEDS_TARGET = new Set(["replace", "hashmod", "lowercase", "uppercase", "keepequal", "dropequal"]);

/** A relabel rule in Prometheus's own keys; promtool checks the regular expression (RE2) on apply. */
export const relabelConfigSchema = z
  .strictObject({
    source_labels: z.array(labelName).optional(),
    separator: z.string().optional(),
    regex: z.string().optional(),
    modulus: z.number().int().min(1).optional(),
    target_label: z.string().min(1).optional(),
    replacement: z.string().optional(),
    action: z.enum(RELABEL_ACTIONS).default("replace"),
  })
  .superRefine((rule, ctx) => {
    if (NEEDS_TARGET.has(rule.action) && rule.target_label === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["target_label"],
        message: `action ${rule.action} needs target_label`,
      });
    }
    if (rule.action === "hashmod" && rule.modulus === undefined) {
      ctx.addIssue({ code: "custom", path: ["modulus"], message: "action hashmod needs modulus" });
    }
    if ((rule.action === "labeldrop" || rule.action === "labelkeep") && rule.regex === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["regex"],
        message: `action ${rule.action} needs regex: the label names it matches`,
      });
    }
    if (rule.action === "labeldrop" || rule.action === "labelkeep") {
      for (const key of ["source_labels", "target_label", "modulus", "separator", "replacement"] as const) {
        if (rule[key] !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `action ${rule.action} works on label names only: leave ${key} out`,
          });
        }
      }
    }
  });
export type RelabelConfig = z.infer<typeof relabelConfigSchema>;

const positiveInt = () => z.number().int().min(1);

/** queue_config as Prometheus 2.42 has it (sample_age_limit came in 2.50 and is refused there). */
const queueSchema = z
  .strictObject({
    capacity: positiveInt().optional(),
    max_shards: positiveInt().optional(),
    min_shards: positiveInt().optional(),
    max_samples_per_send: positiveInt().optional(),
    batch_send_deadline: duration().optional(),
    min_backoff: duration().optional(),
    max_backoff: duration().optional(),
    retry_on_http_429: z.boolean().optional(),
  })
  .superRefine((queue, ctx) => {
    if (
      queue.min_shards !== undefined &&
      queue.max_shards !== undefined &&
      queue.min_shards > queue.max_shards
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["min_shards"],
        message: `is more than max_shards (${queue.max_shards})`,
      });
    }
  });

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

const remoteWriteSchema = z
  .strictObject({
    url: httpUrl,
    /** Shown as remote_name in Prometheus's metrics and alerts; default: the URL's host. */
    name: z
      .string()
      .regex(NAME, "must be letters, digits, '.', '_' and '-' (at most 63)")
      .refine((name) => !name.startsWith(STACKMON_REMOTE_WRITE_PREFIX), {
        message: `names starting with ${STACKMON_REMOTE_WRITE_PREFIX} are stackmon's own`,
      })
      .optional(),
    remote_timeout: duration().optional(),
    basic_auth: basicAuthSettings.optional(),
    bearer_token_file: secretReference.file,
    bearer_token_env: secretReference.env,
    tls: z
      .strictObject({
        ca_file: z.string().startsWith("/", "must be an absolute path").optional(),
        cert_file: z.string().startsWith("/", "must be an absolute path").optional(),
        key_file: z.string().startsWith("/", "must be an absolute path").optional(),
        /** The name the receiver's certificate must carry, when it differs from the URL's host. */
        server_name: z.string().min(1).optional(),
        insecure_skip_verify: z.boolean().optional(),
      })
      .refine((tls) => (tls.cert_file === undefined) === (tls.key_file === undefined), {
        message: "a client certificate needs both cert_file and key_file",
      })
      .optional(),
    queue: queueSchema.optional(),
    write_relabel_configs: z.array(relabelConfigSchema).optional(),
  })
  .superRefine((entry, ctx) => {
    const url = new URL(entry.url);
    if (url.username !== "" || url.password !== "") {
      ctx.addIssue({
        code: "custom",
        path: ["url"],
        message: "holds credentials: give them as basic_auth with password_file or password_env",
      });
    }
    const bearer = entry.bearer_token_file !== undefined || entry.bearer_token_env !== undefined;
    if (entry.bearer_token_file !== undefined && entry.bearer_token_env !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["bearer_token_file"],
        message: "set only one of bearer_token_file and bearer_token_env",
      });
    }
    if (bearer && entry.basic_auth) {
      ctx.addIssue({
        code: "custom",
        path: ["basic_auth"],
        message: "set either basic_auth or a bearer token, not both",
      });
    }
    const plain = url.protocol === "http:";
    if (plain && (bearer || entry.basic_auth) && !isLoopback(url.hostname.replace(/^\[|\]$/g, ""))) {
      ctx.addIssue({
        code: "custom",
        path: ["url"],
        message: "is plain http to another host: its credentials would cross the network unencrypted",
        hint: "use the receiver's https URL",
      });
    }
    if (plain && entry.tls) {
      ctx.addIssue({ code: "custom", path: ["tls"], message: "applies to https URLs only" });
    }
  });
export type RemoteWriteSettings = z.infer<typeof remoteWriteSchema>;

/** The name a remote write goes by: its own, or its URL's host. */
export function remoteWriteName(entry: Pick<RemoteWriteSettings, "name" | "url">): string {
  return entry.name ?? new URL(entry.url).host;
}

export const remoteWriteListSchema = z
  .array(remoteWriteSchema)
  .default([])
  .superRefine((entries, ctx) => {
    const seen = new Map<string, number>();
    entries.forEach((entry, i) => {
      const name = remoteWriteName(entry);
      const first = seen.get(name);
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [i, entry.name === undefined ? "url" : "name"],
          message: `goes by the name "${name}" like remote_write[${first}]: give each one its own name`,
        });
      }
      seen.set(name, i);
    });
  });

/** A remote write as Prometheus gets it: secrets as its own copies, everything else in its keys. */
export interface RemoteWriteTarget {
  readonly name: string;
  readonly url: string;
  readonly remoteTimeout?: string;
  readonly basicAuth?: {
    readonly username: string;
    readonly passwordFile: string;
    readonly password: SecretRef;
  };
  readonly bearerToken?: { readonly credentialsFile: string; readonly token: SecretRef };
  /** tls_config in Prometheus's keys, paths as on the host. */
  readonly tlsConfig?: Readonly<Record<string, unknown>>;
  /** The CA copy Prometheus checks the receiver against (a fleet host's storage). */
  readonly trust?: ScrapeJob["trust"];
  readonly queueConfig?: Readonly<Record<string, unknown>>;
  readonly writeRelabelConfigs?: readonly Readonly<Record<string, unknown>>[];
}

/** A file name for a remote write's secret copy: its name with anything unusual replaced. */
function secretFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_");
}

function userRemoteWrite(entry: RemoteWriteSettings, configPath: ConfigPath): RemoteWriteTarget {
  const name = remoteWriteName(entry);
  const file = `${REMOTE_WRITE_SECRETS_DIR}/${secretFileName(name)}`;
  const auth = entry.basic_auth;
  const password = auth
    ? secretRefFrom(auth.password_file, auth.password_env, [...configPath, "basic_auth", "password"])
    : undefined;
  const token = secretRefFrom(entry.bearer_token_file, entry.bearer_token_env, [
    ...configPath,
    "bearer_token",
  ]);
  const tls = entry.tls;
  return {
    name,
    url: entry.url,
    ...(entry.remote_timeout ? { remoteTimeout: entry.remote_timeout } : {}),
    ...(auth && password
      ? { basicAuth: { username: auth.username, passwordFile: `${file}.password`, password } }
      : {}),
    ...(token ? { bearerToken: { credentialsFile: `${file}.token`, token } } : {}),
    ...(tls ? { tlsConfig: { ...tls } } : {}),
    ...(entry.queue ? { queueConfig: { ...entry.queue } } : {}),
    ...(entry.write_relabel_configs
      ? { writeRelabelConfigs: entry.write_relabel_configs.map((r) => ({ ...r })) }
      : {}),
  };
}

/**
 * The remote write to the stack's own storage, with the credentials and certificate check its
 * scrape job already has. The pair's `replica` label is dropped, so both replicas write the same
 * series and the storage keeps one sample per interval of it.
 */
function storageRemoteWrite(endpoint: Endpoint, name: string, stack: StackContext): RemoteWriteTarget {
  const job = scrapeJobFor(stack, endpoint);
  const auth = job?.basicAuth;
  return {
    name,
    url: `${endpoint.url.replace(/\/$/, "")}/api/v1/write`,
    ...(auth?.password
      ? { basicAuth: { username: auth.username, passwordFile: auth.passwordFile, password: auth.password } }
      : {}),
    ...(job?.tlsConfig ? { tlsConfig: job.tlsConfig } : {}),
    ...(job?.trust ? { trust: job.trust } : {}),
    writeRelabelConfigs: [{ action: "labeldrop", regex: "replica" }],
  };
}

/** The user's remote writes, secrets as Prometheus's copies (see remoteWriteSecretFiles). */
export function userRemoteWrites(
  entries: readonly RemoteWriteSettings[],
  configPath: ConfigPath,
): RemoteWriteTarget[] {
  return entries.map((entry, i) => userRemoteWrite(entry, [...configPath, i]));
}

/** One remote write to each storage of the stack (none when it has none). */
export function storageRemoteWrites(stack: StackContext): RemoteWriteTarget[] {
  const storage = stack.endpoints.filter((e) => e.role === "storage");
  return storage.map((endpoint, i) =>
    storageRemoteWrite(
      endpoint,
      `${STACKMON_REMOTE_WRITE_PREFIX}storage${storage.length > 1 ? `-${i + 1}` : ""}`,
      stack,
    ),
  );
}

/** One remote_write entry of prometheus.yml. */
export function remoteWriteConfig(target: RemoteWriteTarget, stack: StackContext): Record<string, unknown> {
  return {
    url: target.url,
    name: target.name,
    ...(target.remoteTimeout ? { remote_timeout: target.remoteTimeout } : {}),
    ...(target.basicAuth
      ? {
          basic_auth: {
            username: target.basicAuth.username,
            password_file: stack.path(target.basicAuth.passwordFile),
          },
        }
      : {}),
    ...(target.bearerToken
      ? {
          authorization: { type: "Bearer", credentials_file: stack.path(target.bearerToken.credentialsFile) },
        }
      : {}),
    ...(target.tlsConfig ? { tls_config: target.tlsConfig } : {}),
    ...(target.trust
      ? { tls_config: { ca_file: stack.path(target.trust.caFile), server_name: target.trust.serverName } }
      : {}),
    ...(target.queueConfig ? { queue_config: target.queueConfig } : {}),
    ...(target.writeRelabelConfigs ? { write_relabel_configs: target.writeRelabelConfigs } : {}),
  };
}

/** Prometheus's copies of the secrets of the user's remote writes. */
export function remoteWriteSecretFiles(targets: readonly RemoteWriteTarget[]): FileSpec[] {
  const reload = [{ service: "prometheus", onChange: "reload" as const }];
  const copy = (path: string, secret: SecretRef): FileSpec => ({
    path,
    content: { template: [{ secret, as: "raw" }] },
    mode: 0o640,
    owner: "root",
    group: "prometheus",
    consumers: reload,
  });
  return targets.flatMap((target) => [
    ...(target.basicAuth ? [copy(target.basicAuth.passwordFile, target.basicAuth.password)] : []),
    ...(target.bearerToken ? [copy(target.bearerToken.credentialsFile, target.bearerToken.token)] : []),
  ]);
}

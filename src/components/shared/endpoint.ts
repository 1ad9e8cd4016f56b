// What every HTTP endpoint component shares: its listen claim, its self-scrape job, and the
// exporter-toolkit web config (TLS + bcrypt basic auth) it gets when exposed beyond loopback.
import { stringify } from "yaml";
import type { ConfigPath } from "../../config/configError.js";
import {
  formatListen,
  parseListen,
  reachableAddress,
  secretRefFrom,
  type WebSettings,
} from "../../config/schemaParts.js";
import type { FileSpec, Listen, ScrapeJob } from "../../render/desiredState.js";
import type { Endpoint, ListenClaim, StackContext } from "../component.js";

export interface EndpointSettings {
  readonly listen_address: string;
  readonly web: WebSettings;
  readonly scrape_interval?: string | undefined;
  readonly scrape_timeout?: string | undefined;
}

/** The listen address; schema validation guarantees it parses. */
export function listenOf(settings: EndpointSettings): Listen {
  const listen = parseListen(settings.listen_address);
  if (!listen) throw new Error(`unvalidated listen address ${settings.listen_address}`);
  return listen;
}

export function listenClaim(settings: EndpointSettings, configPath: ConfigPath): ListenClaim {
  return { listen: listenOf(settings), configPath: [...configPath, "listen_address"] };
}

export function isProtected(web: WebSettings): boolean {
  return web.tls !== undefined || web.basic_auth !== undefined;
}

/** Path of the secret copy Prometheus reads to scrape a protected endpoint. */
export function scrapePasswordPath(componentId: string): string {
  return `/etc/prometheus/secrets/${componentId}.password`;
}

/** How Prometheus reaches a protected endpoint: https and the password copy it may read. */
export function scrapeAuth(
  componentId: string,
  settings: EndpointSettings,
  configPath: ConfigPath,
): Partial<ScrapeJob> {
  const { web } = settings;
  const password = web.basic_auth
    ? secretRefFrom(web.basic_auth.password_file, web.basic_auth.password_env, [
        ...configPath,
        "web",
        "basic_auth",
        "password",
      ])
    : undefined;
  return {
    ...(settings.scrape_interval ? { scrapeInterval: settings.scrape_interval } : {}),
    ...(settings.scrape_timeout ? { scrapeTimeout: settings.scrape_timeout } : {}),
    // Loopback traffic to our own exporter: the certificate is checked by whoever exposes it
    // beyond this host, not by the local Prometheus.
    ...(web.tls ? { scheme: "https" as const, tlsConfig: { insecure_skip_verify: true } } : {}),
    ...(web.basic_auth
      ? {
          basicAuth: {
            username: web.basic_auth.username,
            passwordFile: scrapePasswordPath(componentId),
            ...(password ? { password } : {}),
          },
        }
      : {}),
  };
}

/**
 * A scrape job for a single local endpoint. The instance label is the host's name, so that alerts
 * read "at web1" rather than "at 127.0.0.1:9100".
 */
export function localScrapeJob(
  jobName: string,
  componentId: string,
  settings: EndpointSettings,
  configPath: ConfigPath,
  hostname: string,
  extra: Partial<ScrapeJob> = {},
): ScrapeJob {
  return {
    jobName,
    ...scrapeAuth(componentId, settings, configPath),
    staticConfigs: [{ targets: [reachableAddress(listenOf(settings))], labels: { instance: hostname } }],
    ...extra,
  };
}

/** The scrape job Prometheus reaches an endpoint with: it knows whether it needs TLS and auth. */
export function scrapeJobFor(stack: StackContext, endpoint: Endpoint): ScrapeJob | undefined {
  const address = new URL(endpoint.url).host;
  return stack.scrapeJobs.find((job) => job.staticConfigs.some((sc) => sc.targets.includes(address)));
}

export interface WebConfigFiles {
  /** Extra flags for the service (e.g. --web.config.file=...). */
  readonly args: readonly string[];
  readonly files: readonly FileSpec[];
}

/**
 * The exporter-toolkit web config for a protected endpoint (Prometheus writes its own copy of the
 * password from the scrape job). Nothing when the endpoint is unprotected.
 */
export function webConfigFiles(
  componentId: string,
  serviceGroup: string,
  web: WebSettings,
  configDir: string,
  configPath: ConfigPath,
  stack: StackContext,
): WebConfigFiles {
  if (!isProtected(web)) return { args: [], files: [] };
  const path = `${configDir}/web-config.yml`;
  const tls = web.tls
    ? stringify({ tls_server_config: { cert_file: web.tls.cert_file, key_file: web.tls.key_file } })
    : "";
  const files: FileSpec[] = [];
  const template: (
    string | { secret: NonNullable<ReturnType<typeof secretRefFrom>>; as: "raw" | "bcrypt" }
  )[] = [`# Rendered by stackmon: TLS and basic auth for ${componentId}.\n${tls}`];
  const auth = web.basic_auth;
  const secret = auth
    ? secretRefFrom(auth.password_file, auth.password_env, [...configPath, "web", "basic_auth", "password"])
    : undefined;
  if (auth && secret) {
    template.push(`basic_auth_users:\n  ${JSON.stringify(auth.username)}: `, { secret, as: "bcrypt" }, "\n");
  }
  files.push({
    path,
    content: { template },
    mode: 0o640,
    owner: "root",
    group: serviceGroup,
    consumers: [{ service: componentId, onChange: "restart" }],
  });
  return { args: [`--web.config.file=${stack.path(path)}`], files };
}

export { formatListen };

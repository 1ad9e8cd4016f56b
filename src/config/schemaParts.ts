// Schema pieces every component uses: durations, listen addresses, secret references, web config.
import { z } from "zod";
import { parseDuration } from "../lib/duration.js";
import type { Listen, SecretRef } from "../render/desiredState.js";
import type { ConfigPath } from "./configError.js";
import { formatListen, isLoopback, parseListen } from "../lib/listenAddress.js";

export { formatListen, isLoopback, parseListen } from "../lib/listenAddress.js";

export const duration = () =>
  z.string().refine((text) => parseDuration(text) !== undefined, {
    message: 'must be a Prometheus duration such as "30s", "5m" or "1h30m"',
  });

/** A listen address, 127.0.0.1 unless the config says otherwise. */
export const listenAddress = (defaultPort: number) =>
  z
    .string()
    .refine((text) => parseListen(text) !== undefined, {
      message: 'must be "host:port", e.g. "127.0.0.1:9100" or "[::1]:9100"',
    })
    .default(`127.0.0.1:${defaultPort}`);

/** The address other processes on this host use to reach a listener (0.0.0.0 → 127.0.0.1). */
export function reachableAddress(listen: Listen): string {
  if (listen.host === "0.0.0.0") return formatListen({ host: "127.0.0.1", port: listen.port });
  if (listen.host === "::") return formatListen({ host: "::1", port: listen.port });
  return formatListen(listen);
}

/** An http:// or https:// URL with a host. */
export const httpUrl = z.string().refine(
  (text) => {
    try {
      const url = new URL(text);
      return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
    } catch {
      return false;
    }
  },
  { message: "must be an http(s) URL" },
);

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");
const absolutePath = z.string().refine((p) => p.startsWith("/"), { message: "must be an absolute path" });

/**
 * A secret given by reference: `<name>_file` (a path, read when needed) or `<name>_env`
 * (an environment variable name). Never the value itself.
 */
export const secretReference = { file: absolutePath.optional(), env: envName.optional() };

export function secretRefFrom(
  file: string | undefined,
  env: string | undefined,
  configPath: ConfigPath,
): SecretRef | undefined {
  const configKey = configPath.join(".");
  if (file !== undefined) return { kind: "file", path: file, configKey: `${configKey}_file` };
  if (env !== undefined) return { kind: "env", name: env, configKey: `${configKey}_env` };
  return undefined;
}

/** A user name and a password by reference (one of password_file and password_env). */
export const basicAuthSettings = z
  .strictObject({
    username: z.string().min(1),
    password_file: secretReference.file,
    password_env: secretReference.env,
  })
  .refine((auth) => (auth.password_file === undefined) !== (auth.password_env === undefined), {
    message: "set exactly one of password_file and password_env",
  });

/** TLS and basic auth for an endpoint, in the spirit of the exporter-toolkit web config. */
export const webSettings = z
  .strictObject({
    tls: z.strictObject({ cert_file: absolutePath, key_file: absolutePath }).optional(),
    basic_auth: basicAuthSettings.optional(),
  })
  .prefault({});
export type WebSettings = z.infer<typeof webSettings>;

/** Settings every exporter-like component shares. */
export const endpointSettings = (defaultPort: number) => ({
  listen_address: listenAddress(defaultPort),
  web: webSettings,
  scrape_interval: duration().optional(),
  scrape_timeout: duration().optional(),
});

/**
 * An endpoint that listens beyond loopback must be protected. Returns the problem, or undefined.
 */
export function exposureProblem(listenAddressText: string, web: WebSettings): string | undefined {
  const listen = parseListen(listenAddressText);
  if (!listen || isLoopback(listen.host)) return undefined;
  if (web.tls && web.basic_auth) return undefined;
  return `listens on ${listen.host}, beyond this host, so it needs web.tls and web.basic_auth`;
}

/** A superRefine step: an exposed endpoint without TLS and basic auth is an error at its address. */
export function refineExposure(
  settings: { readonly listen_address: string; readonly web: WebSettings },
  ctx: z.RefinementCtx,
): void {
  const problem = exposureProblem(settings.listen_address, settings.web);
  if (problem) ctx.addIssue({ code: "custom", path: ["listen_address"], message: problem });
}

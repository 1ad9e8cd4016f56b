// The exporter-toolkit web config file (--web.config.file): TLS and bcrypt basic auth, the
// format every Prometheus exporter reads, so operators configure ours the same way.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";

const schema = z.strictObject({
  tls_server_config: z
    .strictObject({
      cert_file: z.string().min(1),
      key_file: z.string().min(1),
      client_ca_file: z.string().min(1).optional(),
      client_auth_type: z
        .enum([
          "NoClientCert",
          "RequestClientCert",
          "RequireAnyClientCert",
          "VerifyClientCertIfGiven",
          "RequireAndVerifyClientCert",
        ])
        .optional(),
      min_version: z.enum(["TLS10", "TLS11", "TLS12", "TLS13"]).optional(),
    })
    .optional(),
  basic_auth_users: z
    .record(z.string().min(1), z.string().regex(/^\$2[aby]\$\d\d\$/, "must be a bcrypt hash"))
    .optional(),
  http_server_config: z.strictObject({ headers: z.record(z.string(), z.string()).optional() }).optional(),
});

export interface WebConfig {
  readonly tls?: {
    readonly cert: Buffer;
    readonly key: Buffer;
    readonly ca?: Buffer;
    readonly requestClientCert: boolean;
    readonly rejectUnauthorized: boolean;
    readonly minVersion: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";
  };
  /** user → bcrypt hash; empty means no authentication. */
  readonly basicAuthUsers: ReadonlyMap<string, string>;
  readonly headers: Readonly<Record<string, string>>;
}

export class WebConfigError extends Error {}

const TLS_VERSIONS = { TLS10: "TLSv1", TLS11: "TLSv1.1", TLS12: "TLSv1.2", TLS13: "TLSv1.3" } as const;

/** Parses the text; file references are read through `readFile` (tests pass an in-memory map). */
export function parseWebConfig(
  text: string,
  readFile: (path: string) => Buffer = (p) => readFileSync(p),
): WebConfig {
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (error) {
    throw new WebConfigError(`web config is not valid YAML: ${(error as Error).message}`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new WebConfigError(`web config: ${problems.join("; ")}`);
  }
  const config = result.data;
  const read = (path: string, what: string) => {
    try {
      return readFile(path);
    } catch (error) {
      throw new WebConfigError(
        `web config: cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
  };
  const tlsConfig = config.tls_server_config;
  const authType = tlsConfig?.client_auth_type ?? "NoClientCert";
  return {
    ...(tlsConfig
      ? {
          tls: {
            cert: read(tlsConfig.cert_file, "certificate"),
            key: read(tlsConfig.key_file, "key"),
            ...(tlsConfig.client_ca_file ? { ca: read(tlsConfig.client_ca_file, "client CA") } : {}),
            requestClientCert: authType !== "NoClientCert",
            rejectUnauthorized:
              authType === "RequireAndVerifyClientCert" || authType === "RequireAnyClientCert",
            minVersion: TLS_VERSIONS[tlsConfig.min_version ?? "TLS12"],
          },
        }
      : {}),
    basicAuthUsers: new Map(Object.entries(config.basic_auth_users ?? {})),
    headers: config.http_server_config?.headers ?? {},
  };
}

export function loadWebConfig(path: string): WebConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new WebConfigError(
      `cannot read web config ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  return parseWebConfig(text);
}

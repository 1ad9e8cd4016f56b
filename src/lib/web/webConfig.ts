// The exporter-toolkit web config file (--web.config.file): TLS and bcrypt basic auth, the
// format every Prometheus exporter reads, so operators configure ours the same way. Every
// mistake is refused when the exporter starts, naming the file, rather than per request; the
// rules follow exporter-toolkit's web/tls_config.go and web/handler.go.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createSecureContext } from "node:tls";
import { parse } from "yaml";
import { z } from "zod";

/** Go crypto/tls's ClientAuthType names, as exporter-toolkit's client_auth_type takes them. */
export const CLIENT_AUTH_TYPES = [
  "NoClientCert",
  "RequestClientCert",
  "RequireAnyClientCert",
  "VerifyClientCertIfGiven",
  "RequireAndVerifyClientCert",
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

/**
 * The only response headers exporter-toolkit lets a web config set, with the values allowed
 * where they form an enumeration (web/handler.go extraHTTPHeaders).
 */
const EXTRA_HEADERS: Readonly<Record<string, readonly string[] | undefined>> = {
  "Strict-Transport-Security": undefined,
  "X-Content-Type-Options": ["nosniff"],
  "X-Frame-Options": ["deny", "sameorigin"],
  "X-XSS-Protection": undefined,
  "Content-Security-Policy": undefined,
};

/** bcrypt's cost is 4..31 (Go's bcrypt.MinCost..MaxCost); anything else can never match. */
const BCRYPT_HASH = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

const schema = z.strictObject({
  tls_server_config: z
    .strictObject({
      cert_file: z.string().min(1),
      key_file: z.string().min(1),
      client_ca_file: z.string().min(1).optional(),
      // "RequireClientCert" is exporter-toolkit's older name for RequireAnyClientCert.
      client_auth_type: z
        .enum([...CLIENT_AUTH_TYPES, "RequireClientCert"])
        .transform((t): ClientAuthType => (t === "RequireClientCert" ? "RequireAnyClientCert" : t))
        .optional(),
      min_version: z.enum(["TLS10", "TLS11", "TLS12", "TLS13"]).optional(),
    })
    .optional(),
  basic_auth_users: z
    .record(
      z.string().min(1),
      z
        .string()
        .regex(BCRYPT_HASH, "must be a bcrypt hash")
        .refine((hash) => {
          const cost = Number(BCRYPT_HASH.exec(hash)?.[1]);
          return cost >= 4 && cost <= 31;
        }, "has a bcrypt cost outside 4..31"),
    )
    .optional(),
  http_server_config: z
    .strictObject({
      headers: z
        .record(z.string(), z.string())
        .superRefine((headers, context) => {
          for (const [name, value] of Object.entries(headers)) {
            if (!(name in EXTRA_HEADERS)) {
              context.addIssue({
                code: "custom",
                path: [name],
                message: `can not be configured (only ${Object.keys(EXTRA_HEADERS).join(", ")})`,
              });
              continue;
            }
            const allowed = EXTRA_HEADERS[name];
            if (allowed && !allowed.includes(value))
              context.addIssue({
                code: "custom",
                path: [name],
                message: `must be one of ${allowed.join(", ")}`,
              });
            else if (/[^\t\x20-\x7e]/.test(value))
              context.addIssue({ code: "custom", path: [name], message: "holds a control character" });
          }
        })
        .optional(),
    })
    .optional(),
});

export interface WebConfig {
  readonly tls?: {
    readonly cert: Buffer;
    readonly key: Buffer;
    readonly ca?: Buffer;
    readonly clientAuth: ClientAuthType;
    readonly minVersion: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";
  };
  /** user → bcrypt hash; empty means no authentication. */
  readonly basicAuthUsers: ReadonlyMap<string, string>;
  readonly headers: Readonly<Record<string, string>>;
}

export class WebConfigError extends Error {}

const TLS_VERSIONS = { TLS10: "TLSv1", TLS11: "TLSv1.1", TLS12: "TLSv1.2", TLS13: "TLSv1.3" } as const;

/**
 * Parses the text; file references are read through `readFile` (tests pass an in-memory map),
 * relative ones from the directory of `source` as exporter-toolkit does.
 */
export function parseWebConfig(
  text: string,
  readFile: (path: string) => Buffer = (p) => readFileSync(p),
  source = "web config",
): WebConfig {
  const fail = (message: string) => new WebConfigError(`${source}: ${message}`);
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (error) {
    throw fail(`not valid YAML: ${(error as Error).message}`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw fail(problems.join("; "));
  }
  const config = result.data;
  const baseDir = source === "web config" ? "." : dirname(source);
  const read = (key: string, path: string) => {
    const file = resolve(baseDir, path);
    let content: Buffer;
    try {
      content = readFile(file);
    } catch (error) {
      throw fail(`${key}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    if (content.length === 0) throw fail(`${key}: ${file} is empty`);
    return { file, content };
  };
  const tlsConfig = config.tls_server_config;
  if (tlsConfig?.client_ca_file && (tlsConfig.client_auth_type ?? "NoClientCert") === "NoClientCert")
    throw fail(
      "tls_server_config: client_ca_file is set without a client_auth_type that asks for certificates",
    );
  return {
    ...(tlsConfig ? { tls: loadTls(tlsConfig, read, fail) } : {}),
    basicAuthUsers: new Map(Object.entries(config.basic_auth_users ?? {})),
    headers: config.http_server_config?.headers ?? {},
  };
}

type TlsSettings = NonNullable<z.infer<typeof schema>["tls_server_config"]>;

/** Reads the files and builds a TLS context once, so a wrong pair fails now and names its files. */
function loadTls(
  settings: TlsSettings,
  read: (key: string, path: string) => { file: string; content: Buffer },
  fail: (message: string) => WebConfigError,
): NonNullable<WebConfig["tls"]> {
  const cert = read("cert_file", settings.cert_file);
  const key = read("key_file", settings.key_file);
  const ca = settings.client_ca_file ? read("client_ca_file", settings.client_ca_file) : undefined;
  try {
    createSecureContext({ cert: cert.content, key: key.content });
  } catch (error) {
    throw fail(
      `tls_server_config: cert_file ${cert.file} and key_file ${key.file} are not a certificate and its key ` +
        `(${(error as Error).message})`,
    );
  }
  if (ca) {
    try {
      // A context takes any text as CAs without a word; parsing the first one does not.
      new X509Certificate(ca.content);
    } catch (error) {
      throw fail(
        `tls_server_config: client_ca_file ${ca.file} holds no certificate (${(error as Error).message})`,
      );
    }
  }
  return {
    cert: cert.content,
    key: key.content,
    ...(ca ? { ca: ca.content } : {}),
    clientAuth: settings.client_auth_type ?? "NoClientCert",
    minVersion: TLS_VERSIONS[settings.min_version ?? "TLS12"],
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
  return parseWebConfig(text, undefined, path);
}

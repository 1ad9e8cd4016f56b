// The HTTP side every exporter written here shares: listen address, TLS and basic auth from the
// exporter-toolkit web config, a landing page, the telemetry path, extra routes, 404/405/413.
import { createHash } from "node:crypto";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import bcrypt from "bcryptjs";
import { formatListen, parseListen } from "../../config/schemaParts.js";
import type { Logger } from "../log.js";
import type { WebConfig } from "./webConfig.js";

export interface RouteRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage["headers"];
  readonly body: Buffer;
}

export interface RouteResponse {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
}

export interface Route {
  readonly method: "GET" | "POST";
  readonly path: string;
  /** Routes that authenticate their callers themselves (e.g. a token in the query string). */
  readonly skipBasicAuth?: boolean;
  handle(request: RouteRequest): Promise<RouteResponse> | RouteResponse;
}

export interface Exposition {
  readonly contentType: string;
  readonly body: string;
}

export interface ExporterServerOptions {
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly listenAddress: string;
  readonly telemetryPath: string;
  readonly webConfig?: WebConfig;
  readonly metrics: () => Promise<Exposition>;
  readonly routes?: readonly Route[];
  /** Largest request body accepted by routes; larger ones get 413. */
  readonly maxBodyBytes?: number;
  /** How long a whole request (headers and body) may take before it is cut with 408. */
  readonly requestTimeoutMs?: number;
  readonly logger: Logger;
}

export interface ExporterServer {
  readonly url: string;
  readonly address: AddressInfo;
  close(): Promise<void>;
}

/** A hash that keeps timing flat for unknown users: bcrypt runs either way. */
const DUMMY_HASH = bcrypt.hashSync("stackmon-no-such-user", 10);

export async function startExporterServer(options: ExporterServerOptions): Promise<ExporterServer> {
  // Port 0 (any free port) is fine for a server started by a test, though not in stackmon.yml.
  const listen = parseListen(options.listenAddress, { allowAnyPort: true });
  if (!listen) throw new Error(`--web.listen-address: "${options.listenAddress}" is not host:port`);
  const authenticate = basicAuthenticator(options.webConfig?.basicAuthUsers ?? new Map());
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    handleRequest(req, res, options, authenticate).catch((error: unknown) => {
      // The path only: a query string may carry a token (Duplicati's reports do).
      options.logger.error("request failed", { path: requestPath(req.url), err: (error as Error).message });
      if (!res.headersSent) send(res, 500, "internal error\n");
      else res.destroy();
    });
  };
  const requestTimeout = options.requestTimeoutMs ?? 10_000;
  // Node checks the request timeout only this often (30 s by default): slow senders would
  // hold their connection three times longer than the timeout says.
  const timing = { connectionsCheckingInterval: Math.min(1000, requestTimeout) };
  const tls = options.webConfig?.tls;
  const server: Server = tls
    ? createHttpsServer(
        {
          ...timing,
          cert: tls.cert,
          key: tls.key,
          ...(tls.ca ? { ca: tls.ca } : {}),
          requestCert: tls.requestClientCert,
          rejectUnauthorized: tls.rejectUnauthorized,
          minVersion: tls.minVersion,
        },
        handler,
      )
    : createHttpServer(timing, handler);
  server.headersTimeout = Math.min(requestTimeout, 10_000);
  server.requestTimeout = requestTimeout;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `${tls ? "https" : "http"}://${formatListen({ host: address.address, port: address.port })}`;
  options.logger.info("listening", {
    address: formatListen({ host: address.address, port: address.port }),
    tls: Boolean(tls),
  });
  return {
    url,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

type Authenticator = (header: string | undefined) => Promise<boolean>;

/**
 * bcrypt is deliberately slow; like exporter-toolkit, successful checks are cached (keyed by a
 * hash of the credentials, never the credentials themselves) so scrapes stay cheap.
 */
function basicAuthenticator(users: ReadonlyMap<string, string>): Authenticator {
  const verified = new Set<string>();
  return async (header) => {
    if (users.size === 0) return true;
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? "");
    if (!match?.[1]) return false;
    const decoded = Buffer.from(match[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const hash = users.get(user);
    const key = createHash("sha256")
      .update(`${user}\0${password}\0${hash ?? ""}`)
      .digest("hex");
    if (hash !== undefined && verified.has(key)) return true;
    const ok = await bcrypt.compare(password, hash ?? DUMMY_HASH);
    if (!ok || hash === undefined) return false;
    if (verified.size > 1000) verified.clear();
    verified.add(key);
    return true;
  };
}

async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: ExporterServerOptions,
  authenticate: Authenticator,
): Promise<void> {
  for (const [name, value] of Object.entries(options.webConfig?.headers ?? {})) res.setHeader(name, value);
  const url = requestUrl(req.url);
  if (!url) {
    res.setHeader("Connection", "close");
    return send(res, 400, "Bad Request: unparseable request target\n");
  }
  const method = req.method ?? "GET";
  const route = options.routes?.find((r) => r.path === url.pathname);

  if (!route?.skipBasicAuth && !(await authenticate(req.headers.authorization))) {
    res.setHeader("WWW-Authenticate", 'Basic realm="stackmon"');
    return send(res, 401, "Unauthorized\n");
  }
  if (url.pathname === options.telemetryPath) {
    if (method !== "GET" && method !== "HEAD") return methodNotAllowed(res, "GET, HEAD");
    const exposition = await options.metrics();
    const gzip = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    const body = encodedExposition(exposition.body, gzip);
    res.statusCode = 200;
    res.setHeader("Content-Type", exposition.contentType);
    res.setHeader("Content-Length", body.length);
    res.setHeader("Vary", "Accept-Encoding");
    if (gzip) res.setHeader("Content-Encoding", "gzip");
    res.end(body);
    return;
  }
  if (route) {
    if (method !== route.method) return methodNotAllowed(res, route.method);
    const body = await readBody(req, options.maxBodyBytes ?? 1024 * 1024);
    if (body === undefined) {
      res.setHeader("Connection", "close");
      return send(res, 413, `request body over ${options.maxBodyBytes ?? 1024 * 1024} bytes\n`);
    }
    const response = await route.handle({
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
    });
    return send(res, response.status, response.body, response.contentType);
  }
  if (url.pathname === "/") {
    if (method !== "GET" && method !== "HEAD") return methodNotAllowed(res, "GET, HEAD");
    return send(res, 200, landingPage(options), "text/html; charset=utf-8");
  }
  return send(res, 404, "Not Found\n");
}

function requestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? "/", "http://exporter.invalid");
  } catch {
    return undefined;
  }
}

/** What a log line may say of a request target: its path, never its query. */
export function requestPath(target: string | undefined): string {
  return requestUrl(target)?.pathname ?? "(unparseable)";
}

/**
 * Exporters hand back the same string while nothing changed; its bytes and gzip are kept for it,
 * so an unchanged exposition costs a scrape neither encoding nor compression. Prometheus asks for
 * gzip, which also shrinks a large exposition about tenfold on the wire.
 */
let lastExposition: { text: string; plain: Buffer; gzip?: Buffer } | undefined;
function encodedExposition(text: string, gzip: boolean): Buffer {
  if (lastExposition?.text !== text) lastExposition = { text, plain: Buffer.from(text) };
  if (!gzip) return lastExposition.plain;
  lastExposition.gzip ??= gzipSync(lastExposition.plain, { level: 6 });
  return lastExposition.gzip;
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader("Allow", allow);
  send(res, 405, "Method Not Allowed\n");
}

/** The body, or undefined when it exceeds the limit (the rest is discarded, not buffered). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers["content-length"] ?? 0) > limit;
    if (tooLarge) {
      req.resume();
      resolve(undefined);
      return;
    }
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = "text/plain; charset=utf-8",
): void {
  res.statusCode = status;
  res.setHeader("Content-Type", contentType);
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.end(body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function landingPage(options: ExporterServerOptions): string {
  const name = escapeHtml(options.name);
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${name}</title></head>
<body><h1>${name}</h1><p>${escapeHtml(options.description)}</p>
<p>Version ${escapeHtml(options.version)}</p>
<ul><li><a href="${escapeHtml(options.telemetryPath)}">Metrics</a></li></ul>
</body></html>
`;
}

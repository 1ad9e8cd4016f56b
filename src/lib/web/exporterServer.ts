// The HTTP side every exporter written here shares: listen address, TLS and basic auth from the
// exporter-toolkit web config, a landing page, the telemetry path, extra routes, 404/405/413.
// Built to be attacked: callers are authenticated before a body is read, connections are capped
// in all and per client, slow requests are cut, failed logins are rate-limited.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { promisify } from "node:util";
import { gzip as gzipCallback } from "node:zlib";
import { formatListen, parseListen } from "../listenAddress.js";
import type { Logger } from "../log.js";
import type { BasicAuthenticator, FailureLimit } from "./basicAuth.js";
import { clientCertificateAccepted, nodeClientAuth } from "./clientCertificates.js";
import type { WebConfig } from "./webConfig.js";

/** What a route sees of a request before its body is read. */
export interface RouteHead {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage["headers"];
}

export interface RouteRequest extends RouteHead {
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
  /**
   * Checked before the body is read: an answer here (401 for a missing token) is sent at once
   * and the connection closed, so an unauthenticated caller never gets a body buffered.
   */
  readonly authorize?: (request: RouteHead) => RouteResponse | undefined;
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
  /** Connections open at once, in all and from one client address; more are closed at once. */
  readonly maxConnections?: number;
  readonly maxConnectionsPerClient?: number;
  /** Failed basic-auth checks one client address may make before it gets 429 for a while. */
  readonly authFailureLimit?: FailureLimit;
  readonly logger: Logger;
}

export interface ExporterServer {
  readonly url: string;
  readonly address: AddressInfo;
  close(): Promise<void>;
}

export const DEFAULT_MAX_CONNECTIONS = 64;
export const DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 16;

/**
 * Without users, everyone is let in; the authenticator's module (bcrypt, node:crypto: 4 MiB and
 * more resident) is loaded only where there are users to check.
 */
const NO_AUTHENTICATION: BasicAuthenticator = {
  check: () => Promise.resolve("ok"),
  retryAfterSeconds: () => 0,
};

async function authenticatorFor(options: ExporterServerOptions): Promise<BasicAuthenticator> {
  const users = options.webConfig?.basicAuthUsers;
  if (!users || users.size === 0) return NO_AUTHENTICATION;
  const { basicAuthenticator } = await import("./basicAuth.js");
  return basicAuthenticator(users, options.authFailureLimit);
}

export async function startExporterServer(options: ExporterServerOptions): Promise<ExporterServer> {
  // Port 0 (any free port) is fine for a server started by a test, though not in stackmon.yml.
  const listen = parseListen(options.listenAddress, { allowAnyPort: true });
  if (!listen) throw new Error(`--web.listen-address: "${options.listenAddress}" is not host:port`);
  const authenticator = await authenticatorFor(options);
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    handleRequest(req, res, options, authenticator).catch((error: unknown) => {
      // The path only: a query string may carry a token (Duplicati's reports do).
      options.logger.error("request failed", { path: requestPath(req.url), err: (error as Error).message });
      if (!res.headersSent) send(res, 500, "internal error\n");
      else res.destroy();
    });
  };
  const requestTimeout = options.requestTimeoutMs ?? 10_000;
  // Node checks the request timeout only this often (30 s by default): slow senders would
  // hold their connection three times longer than the timeout says. The check wakes the process
  // whether or not anyone is connected, so not every second either: at half the timeout, an idle
  // exporter wakes 720 times an hour, and a slow sender is cut within 1.5 times the timeout.
  const timing = { connectionsCheckingInterval: Math.max(100, Math.round(requestTimeout / 2)) };
  const tls = options.webConfig?.tls;
  const server: Server = tls
    ? createHttpsServer(
        {
          ...timing,
          cert: tls.cert,
          key: tls.key,
          ...(tls.ca ? { ca: tls.ca } : {}),
          ...nodeClientAuth(tls.clientAuth),
          minVersion: tls.minVersion,
        },
        handler,
      )
    : createHttpServer(timing, handler);
  server.headersTimeout = Math.min(requestTimeout, 10_000);
  server.requestTimeout = requestTimeout;
  limitConnections(server, options);
  if (tls) {
    server.on("secureConnection", (socket: TLSSocket) => {
      const presented = Object.keys(socket.getPeerCertificate()).length > 0;
      if (!clientCertificateAccepted(tls.clientAuth, presented, socket.authorized)) {
        options.logger.debug("client certificate refused", {
          clientAuth: tls.clientAuth,
          presented,
          reason: socket.authorizationError?.toString(),
        });
        socket.destroy();
      }
    });
  }
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

/**
 * Caps open connections: Node's own cap for the total, and one per client address so a single
 * client cannot take every slot. Dropped connections are logged at most once a minute.
 */
function limitConnections(server: Server, options: ExporterServerOptions): void {
  server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const perClientLimit = options.maxConnectionsPerClient ?? DEFAULT_MAX_CONNECTIONS_PER_CLIENT;
  const open = new Map<string, number>();
  let dropped = 0;
  let lastReport = 0;
  const drop = () => {
    dropped++;
    if (Date.now() - lastReport < 60_000) return;
    lastReport = Date.now();
    options.logger.warn("connection limit reached, connections closed", {
      dropped,
      max: server.maxConnections,
      maxPerClient: perClientLimit,
    });
  };
  server.on("drop", drop);
  server.on("connection", (socket: Socket) => {
    const client = socket.remoteAddress ?? "";
    const count = (open.get(client) ?? 0) + 1;
    if (count > perClientLimit) {
      drop();
      socket.destroy();
      return;
    }
    open.set(client, count);
    socket.once("close", () => {
      const left = (open.get(client) ?? 1) - 1;
      if (left > 0) open.set(client, left);
      else open.delete(client);
    });
  });
}

async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: ExporterServerOptions,
  authenticator: BasicAuthenticator,
): Promise<void> {
  for (const [name, value] of Object.entries(options.webConfig?.headers ?? {})) res.setHeader(name, value);
  const url = requestUrl(req.url);
  if (!url) return sendAndClose(req, res, { status: 400, body: "Bad Request: unparseable request target\n" });
  const method = req.method ?? "GET";
  const route = options.routes?.find((r) => r.path === url.pathname);

  if (!route?.skipBasicAuth) {
    const client = req.socket.remoteAddress ?? "";
    const result = await authenticator.check(req.headers.authorization, client);
    if (result === "rate-limited") {
      res.setHeader("Retry-After", String(authenticator.retryAfterSeconds(client)));
      return sendAndClose(req, res, { status: 429, body: "Too Many Requests: too many failed logins\n" });
    }
    if (result === "denied") {
      res.setHeader("WWW-Authenticate", 'Basic realm="stackmon"');
      return sendAndClose(req, res, { status: 401, body: "Unauthorized\n" });
    }
  }
  if (url.pathname === options.telemetryPath) {
    if (method !== "GET" && method !== "HEAD") return methodNotAllowed(req, res, "GET, HEAD");
    const exposition = await options.metrics();
    const gzip = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    const body = await encodedExposition(exposition.body, gzip);
    res.statusCode = 200;
    res.setHeader("Content-Type", exposition.contentType);
    res.setHeader("Content-Length", body.length);
    res.setHeader("Vary", "Accept-Encoding");
    if (gzip) res.setHeader("Content-Encoding", "gzip");
    res.end(body);
    return;
  }
  if (route) {
    if (method !== route.method) return methodNotAllowed(req, res, route.method);
    const head: RouteHead = { method, path: url.pathname, query: url.searchParams, headers: req.headers };
    const refusal = route.authorize?.(head);
    if (refusal) return sendAndClose(req, res, refusal);
    const limit = options.maxBodyBytes ?? 1024 * 1024;
    const body = await readBody(req, limit);
    if (body === undefined)
      return sendAndClose(req, res, { status: 413, body: `request body over ${limit} bytes\n` });
    const response = await route.handle({ ...head, body });
    return send(res, response.status, response.body, response.contentType);
  }
  if (url.pathname === "/") {
    if (method !== "GET" && method !== "HEAD") return methodNotAllowed(req, res, "GET, HEAD");
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
let lastExposition: { text: string; plain: Buffer; gzip?: Promise<Buffer> } | undefined;
/** A quarter of level 6's CPU for a 240 KB exposition, 20% more bytes (bench/pm2). */
export const EXPOSITION_GZIP_LEVEL = 1;
const gzipAsync = promisify(gzipCallback);
function encodedExposition(text: string, gzip: boolean): Promise<Buffer> {
  if (lastExposition?.text !== text) lastExposition = { text, plain: Buffer.from(text) };
  if (!gzip) return Promise.resolve(lastExposition.plain);
  // Compressed in the thread pool: megabytes of exposition never stall the event loop.
  lastExposition.gzip ??= gzipAsync(lastExposition.plain, { level: EXPOSITION_GZIP_LEVEL });
  return lastExposition.gzip;
}

function methodNotAllowed(req: IncomingMessage, res: ServerResponse, allow: string): void {
  res.setHeader("Allow", allow);
  sendAndClose(req, res, { status: 405, body: "Method Not Allowed\n" });
}

/**
 * The body, or undefined as soon as it exceeds the limit: nothing past the limit is buffered
 * (the caller answers 413 and closes the connection).
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers["content-length"] ?? 0) > limit) return resolve(undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off("data", onData);
      chunks.length = 0;
      resolve(undefined);
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/**
 * Answers a request whose body is not wanted, then closes the connection: whatever the client
 * still sends is read and dropped (never buffered) until it stops or the request times out.
 */
function sendAndClose(req: IncomingMessage, res: ServerResponse, response: RouteResponse): void {
  res.setHeader("Connection", "close");
  send(res, response.status, response.body, response.contentType);
  req.resume();
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

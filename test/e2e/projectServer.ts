// The project served over loopback HTTP, as the raw repository and a release would serve it:
// install.sh, the package, a Node.js tarball, configs. The container shares this host's network.
// With a certificate it serves https, as install.sh requires for what it downloads.
import { createReadStream, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";

export interface ProjectServer {
  readonly port: number;
  url(path: string): string;
  /** Serves a file from disk at `path`. */
  file(path: string, filePath: string): void;
  /** Serves text at `path` (replacing what was there). */
  text(path: string, body: string): void;
  /** Paths requested so far, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startProjectServer(tls?: {
  readonly cert: Buffer;
  readonly key: Buffer;
}): Promise<ProjectServer> {
  const routes = new Map<string, { file: string } | { body: string }>();
  const requests: string[] = [];
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", "http://x").pathname;
    requests.push(path);
    const route = routes.get(path);
    if (!route) {
      response.writeHead(404).end("not found\n");
      return;
    }
    if ("body" in route) {
      response.writeHead(200, { "content-type": "text/plain" }).end(route.body);
      return;
    }
    response.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": statSync(route.file).size,
    });
    createReadStream(route.file).pipe(response);
  };
  const server: Server = tls ? createHttpsServer(tls, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    url: (path) => `${tls ? "https" : "http"}://127.0.0.1:${port}${path}`,
    file: (path, file) => void routes.set(path, { file }),
    text: (path, body) => void routes.set(path, { body }),
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

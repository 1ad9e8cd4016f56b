// Serves a directory read-only over HTTP (GET and HEAD), for the lab's Debian repository on its
// LAN. Run inside the LAN namespace: `node --import tsx serveDirectory.ts DIR ADDRESS PORT`;
// prints "listening" once it accepts connections.
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { resolve, sep } from "node:path";

const [dir, address, port] = process.argv.slice(2);
if (!dir || !address || !port) {
  console.error("usage: serveDirectory.ts DIR ADDRESS PORT");
  process.exit(2);
}
const root = resolve(dir);

/** The file a request path names, or undefined when it is outside the directory or not a file. */
function fileFor(urlPath: string): { path: string; size: number } | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  const path = resolve(root, `.${decoded}`);
  if (!path.startsWith(`${root}${sep}`)) return undefined;
  try {
    const stat = statSync(path);
    return stat.isFile() ? { path, size: stat.size } : undefined;
  } catch {
    return undefined;
  }
}

const server = createServer((request, response) => {
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, { allow: "GET, HEAD" }).end();
    return;
  }
  const file = fileFor(new URL(request.url ?? "/", "http://lab").pathname);
  if (!file) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, {
    "content-length": file.size,
    "content-type": "application/octet-stream",
  });
  if (request.method === "HEAD") response.end();
  else createReadStream(file.path).pipe(response);
});
server.listen(Number(port), address, () => console.log("listening"));
// apt keeps its connections open; nothing is written, so there is nothing to finish.
process.once("SIGTERM", () => process.exit(0));

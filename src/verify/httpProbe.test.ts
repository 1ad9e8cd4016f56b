// A HostHttp that goes through a Unix socket (a remote host's endpoints, reached through its SSH
// connection): the request keeps its URL, host and TLS; only the way there changes.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { makeCertificate } from "../../test/helpers/tls.js";
import { hostHttp } from "./httpProbe.js";

const work = mkdtempSync(join(tmpdir(), "stackmon-http-socket-"));
const servers: Server[] = [];
after(() => {
  for (const server of servers) server.close();
  rmSync(work, { recursive: true, force: true });
});

function listen(server: Server, path: string): Promise<void> {
  servers.push(server);
  return new Promise((resolve) => server.listen(path, resolve));
}

const echo = (request: { method?: string; url?: string; headers: Record<string, unknown> }) =>
  `${request.method} ${request.url} host=${String(request.headers["host"])}`;

describe("HTTP through a socket that leads to the host", () => {
  it("plain HTTP: the request arrives as it was made for host:port", async () => {
    const socket = join(work, "plain.sock");
    await listen(
      createHttpServer((request, response) => response.end(echo(request))),
      socket,
    );
    const asked: string[] = [];
    const http = hostHttp((host, port) => {
      asked.push(`${host}:${port}`);
      return Promise.resolve(socket);
    });
    assert.deepEqual(await http("http://127.0.0.1:9100/metrics?x=1"), {
      status: 200,
      body: "GET /metrics?x=1 host=127.0.0.1:9100",
    });
    await http("http://[::1]/");
    assert.deepEqual(asked, ["127.0.0.1:9100", "::1:80"]);
  });

  it("HTTPS over the socket, a self-signed certificate accepted as on loopback", async () => {
    const socket = join(work, "tls.sock");
    const certificate = makeCertificate(work);
    const server = createHttpsServer(
      { cert: readFileSync(certificate.certFile), key: readFileSync(certificate.keyFile) },
      (request, response) => response.end(echo(request)),
    );
    await listen(server, socket);
    const answer = await hostHttp(() => Promise.resolve(socket))("https://127.0.0.1:9443/-/ready", {
      method: "POST",
      body: "{}",
    });
    assert.deepEqual(answer, { status: 200, body: "POST /-/ready host=127.0.0.1:9443" });
  });

  it("nothing behind the socket is no answer; no way there at all is an error", async () => {
    assert.equal(
      await hostHttp(() => Promise.resolve(join(work, "absent.sock")))("http://127.0.0.1:1/"),
      undefined,
    );
    await assert.rejects(
      hostHttp(() => Promise.reject(new Error("web1: cannot reach 127.0.0.1:1 there")))(
        "http://127.0.0.1:1/",
      ),
      /web1: cannot reach/,
    );
  });
});

// A stand-in for a Duplicati 2.1+ server's REST API (login with a password, short-lived bearer
// tokens, /api/v1/backups, /api/v1/serverstate), for testing the exporter's polling.
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";

export interface FakeDuplicatiServer {
  readonly url: string;
  logins: number;
  /** Makes every issued token invalid, as when the 15-minute JWT expires. */
  expireTokens(): void;
  close(): Promise<void>;
}

export async function startFakeDuplicatiServer(
  password: string,
  backups: unknown[],
  state: unknown,
): Promise<FakeDuplicatiServer> {
  const tokens = new Set<string>();
  const fake = { logins: 0 } as FakeDuplicatiServer;
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(value));
      };
      if (req.method === "POST" && req.url === "/api/v1/auth/login") {
        const given = (JSON.parse(body || "{}") as { Password?: string }).Password;
        if (given !== password) return json(401, { Error: "Invalid password" });
        fake.logins++;
        const token = randomUUID();
        tokens.add(token);
        return json(200, { AccessToken: token });
      }
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (!token || !tokens.has(token)) return json(401, { Error: "Unauthorized" });
      if (req.method === "GET" && req.url === "/api/v1/backups") return json(200, backups);
      if (req.method === "GET" && req.url === "/api/v1/serverstate") return json(200, state);
      return json(404, { Error: "Not found" });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    expireTokens: () => tokens.clear(),
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}

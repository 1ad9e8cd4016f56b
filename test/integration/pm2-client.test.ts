// The PM2 RPC client at the socket's edge: a missing daemon, one that accepts and never answers,
// one that hangs up mid-call. Each must end the call with the right error, never hang.
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Pm2Timeout } from "../../src/exporters/pm2/collector.js";
import { Pm2RpcClient, Pm2Unreachable } from "../../src/exporters/pm2/pm2Client.js";
import { tempDir } from "../helpers/stackmon.js";

const dir = tempDir("stackmon-pm2-client-");
after(() => rmSync(dir, { recursive: true, force: true }));

async function fakeDaemon(home: string, onConnection: (socket: Socket) => void): Promise<Server> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(join(home, "rpc.sock"), resolve));
  return server;
}

describe("the PM2 RPC client", () => {
  it("fails at once, naming the socket, when no daemon runs", async () => {
    const client = new Pm2RpcClient(join(dir, "nobody"));
    // A 60 s timeout: the error comes from the missing socket, not from waiting.
    await assert.rejects(
      client.list(60_000),
      (e: unknown) => e instanceof Pm2Unreachable && /nobody\/rpc\.sock: ENOENT/.test(e.message),
    );
  });

  it("times out when the daemon accepts but never answers (busy or stopped)", async () => {
    const home = tempDir("stackmon-pm2-silent-");
    const server = await fakeDaemon(home, () => undefined);
    try {
      const client = new Pm2RpcClient(home);
      await assert.rejects(client.list(200), (e: unknown) => e instanceof Pm2Timeout);
      client.close();
    } finally {
      server.close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("fails at once when the daemon hangs up mid-call", async () => {
    const home = tempDir("stackmon-pm2-hangup-");
    const server = await fakeDaemon(home, (socket) => socket.once("data", () => socket.destroy()));
    try {
      const client = new Pm2RpcClient(home);
      await assert.rejects(
        client.list(60_000),
        (e: unknown) => e instanceof Pm2Unreachable && /closed the connection/.test(e.message),
      );
    } finally {
      server.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

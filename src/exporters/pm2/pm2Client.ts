// The only file that talks to PM2. It speaks the daemon's RPC protocol through the modules the
// `pm2` package ships (pm2-axon, pm2-axon-rpc) and calls getMonitorData, the call behind
// `pm2.list()`, because PM2's high-level connect() starts a daemon when none runs: an exporter
// must only observe. While the daemon is away the socket retries on its own; nothing is queued.
import { createRequire } from "node:module";
import { join } from "node:path";

interface AxonSocket {
  connected?: boolean;
  connect(path: string): void;
  close(): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
  once(event: string, listener: (...args: unknown[]) => void): void;
  removeListener(event: string, listener: (...args: unknown[]) => void): void;
}
interface RpcClient {
  call(method: string, arg: unknown, callback: (error: unknown, result: unknown) => void): void;
}
const require = createRequire(import.meta.url);
const axon = require("pm2/modules/pm2-axon") as { socket(type: "req"): AxonSocket };
const rpc = require("pm2/modules/pm2-axon-rpc") as { Client: new (socket: AxonSocket) => RpcClient };

export class Pm2Unreachable extends Error {}

export class Pm2RpcClient {
  private socket: AxonSocket | undefined;
  private client: RpcClient | undefined;
  readonly socketPath: string;

  constructor(pm2Home: string) {
    this.socketPath = join(pm2Home, "rpc.sock");
  }

  /** The daemon's raw process list; rejects within `timeoutMs` when it is down or slow. */
  async list(timeoutMs: number): Promise<unknown> {
    const { socket, client } = this.connection();
    if (!socket.connected) await this.waitConnected(socket, timeoutMs);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // A daemon that stops answering mid-call: drop the connection and start afresh.
        this.close();
        reject(new Pm2Unreachable(`PM2 did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      client.call("getMonitorData", {}, (error, list) => {
        clearTimeout(timer);
        if (error) reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        else resolve(list);
      });
    });
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
    this.client = undefined;
  }

  private connection(): { socket: AxonSocket; client: RpcClient } {
    if (!this.socket || !this.client) {
      const socket = axon.socket("req");
      // Connection errors (ENOENT, ECONNREFUSED) surface as "not connected", not as crashes.
      socket.on("error", () => undefined);
      socket.connect(this.socketPath);
      this.socket = socket;
      this.client = new rpc.Client(socket);
    }
    return { socket: this.socket, client: this.client };
  }

  private waitConnected(socket: AxonSocket, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onConnect = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        socket.removeListener("connect", onConnect);
        reject(new Pm2Unreachable(`no PM2 daemon answers at ${this.socketPath}`));
      }, timeoutMs);
      socket.once("connect", onConnect);
    });
  }
}

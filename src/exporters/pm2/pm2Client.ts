// The only file that talks to PM2. It speaks the daemon's RPC protocol through the modules the
// `pm2` package ships (pm2-axon, pm2-axon-rpc) and calls getMonitorData, the call behind
// `pm2.list()`, because PM2's high-level connect() starts a daemon when none runs: an exporter
// must only observe. No cheaper call exists: every method of lib/Daemon.js that lists processes
// returns each pm2_env whole (God.getFormatedProcesses), environment included, so the answer is
// decoded in full; parsePm2List reads only the keys it names.
import { createRequire } from "node:module";
import { join } from "node:path";
import { Pm2Timeout } from "./collector.js";

interface AxonSocket {
  connected?: boolean;
  set(option: string, value: unknown): void;
  connect(path: string): void;
  close(): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
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

  /**
   * The daemon's raw process list. Connecting and answering share one deadline; a missing or
   * refusing socket, or a daemon that drops the connection mid-call, fails at once.
   */
  list(timeoutMs: number): Promise<unknown> {
    const { socket, client } = this.connection();
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | undefined, list?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.removeListener("connect", onConnect);
        socket.removeListener("socket error", onSocketError);
        socket.removeListener("close", onDropped);
        if (error) {
          // Nothing is left queued or half-read on a connection that failed: start afresh.
          this.close();
          reject(error);
        } else resolve(list);
      };
      const call = () =>
        client.call("getMonitorData", {}, (error, list) =>
          finish(error ? new Error(`PM2 answered an error: ${describe(error)}`) : undefined, list),
        );
      const onConnect = () => call();
      const onSocketError = (error: unknown) =>
        finish(new Pm2Unreachable(`no PM2 daemon answers at ${this.socketPath}: ${describe(error)}`));
      const onDropped = () => finish(new Pm2Unreachable("the PM2 daemon closed the connection"));
      const timer = setTimeout(
        () =>
          finish(
            socket.connected
              ? new Pm2Timeout(`PM2 did not answer within ${timeoutMs} ms`)
              : new Pm2Unreachable(`no PM2 daemon answers at ${this.socketPath}`),
          ),
        timeoutMs,
      );
      socket.on("socket error", onSocketError);
      socket.on("close", onDropped);
      if (socket.connected) call();
      else socket.on("connect", onConnect);
    });
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
    this.client = undefined;
  }

  /**
   * The connection, opened when a scrape needs it: one that is not up (never was, or the daemon
   * closed it) is started afresh, so a missing daemon fails at once instead of after a backoff.
   */
  private connection(): { socket: AxonSocket; client: RpcClient } {
    if (this.socket && this.client && this.socket.connected)
      return { socket: this.socket, client: this.client };
    this.close();
    const socket = axon.socket("req");
    // No reconnecting in the background: nothing happens between scrapes.
    socket.set("retry timeout", 0);
    // Connection errors (ENOENT, ECONNREFUSED) arrive as "socket error" events, handled per call.
    socket.on("error", () => undefined);
    socket.connect(this.socketPath);
    this.socket = socket;
    this.client = new rpc.Client(socket);
    return { socket, client: this.client };
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.message;
  return typeof error === "string" ? error : JSON.stringify(error);
}

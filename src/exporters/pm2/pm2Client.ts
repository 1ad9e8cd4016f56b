// The only file that talks to PM2: one call, getMonitorData (what `pm2 jlist` asks), over the
// daemon's RPC socket, PM2_HOME/rpc.sock. PM2's own client (connect()) starts a daemon when none
// runs, and an exporter must only observe; so this speaks the protocol itself, which is small:
// - framing (the `amp` package, encode.js/decode.js): one byte of version << 4 | argument count,
//   then each argument as a 32-bit big-endian length and its bytes;
// - arguments (amp-message, pack/unpack): "j:" + JSON, or "s:" + a string;
// - a request (pm2-axon's req socket and pm2-axon-rpc's client.js) is the arguments
//   j:{"type":"call","method":…,"args":[…]} and s:<id>; the answer (rep socket, rpc server.js)
//   is j:{"args":[result]} or j:{"error":…}, then the same s:<id>.
// No cheaper call exists: every method of lib/Daemon.js that lists processes returns each pm2_env
// whole (God.getFormatedProcesses), environment included. The answer stays bytes; pickJson reads
// only the keys parsePm2List needs, so environments are never decoded.
import { createConnection, type Socket } from "node:net";
import { join } from "node:path";
import { Pm2Timeout } from "./collector.js";
import { PM2_ENTRY_PICKS } from "./parsePm2List.js";
import { compilePicks, decodeRange, firstElement, memberRanges, pickArray } from "./pickJson.js";

const AMP_VERSION = 1;
/** A bound on one answer: 300 processes take about 2 MB. */
const MAX_ANSWER_BYTES = 256 * 1024 * 1024;
const ENTRY_PICKS = compilePicks(PM2_ENTRY_PICKS);

export class Pm2Unreachable extends Error {}

/** One AMP message: the version/count byte, then length-prefixed arguments. */
export function encodeAmp(args: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from([(AMP_VERSION << 4) | args.length])];
  for (const arg of args) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(arg.length);
    parts.push(length, arg);
  }
  return Buffer.concat(parts);
}

/** The arguments of a complete AMP message, or undefined while more bytes are needed. */
export function decodeAmp(bytes: Buffer): Buffer[] | undefined {
  if (bytes.length < 1) return undefined;
  const count = (bytes[0] ?? 0) & 0x0f;
  const args: Buffer[] = [];
  let at = 1;
  for (let i = 0; i < count; i++) {
    if (bytes.length < at + 4) return undefined;
    const length = bytes.readUInt32BE(at);
    if (length > MAX_ANSWER_BYTES) throw new Error(`PM2 sent a message part of ${length} bytes`);
    at += 4;
    if (bytes.length < at + length) return undefined;
    args.push(bytes.subarray(at, at + length));
    at += length;
  }
  return args;
}

/** getMonitorData's answer (the argument after "j:"): the list, entries reduced to what is read. */
export function readMonitorAnswer(json: Buffer): unknown {
  const members = memberRanges(json, 0, ["args", "error"]);
  const error = members.get("error");
  if (error) throw new Error(`PM2 answered an error: ${JSON.stringify(decodeRange(json, error))}`);
  const args = members.get("args");
  const list = args && firstElement(json, args);
  if (!list) throw new Error("PM2 answered without a result");
  return json[list.start] === 0x5b ? pickArray(json, list.start, ENTRY_PICKS) : decodeRange(json, list);
}

export class Pm2RpcClient {
  private socket: Socket | undefined;
  private connected = false;
  private nextId = 0;
  readonly socketPath: string;

  constructor(pm2Home: string) {
    this.socketPath = join(pm2Home, "rpc.sock");
  }

  /**
   * The daemon's process list. Connecting and answering share one deadline; a missing or
   * refusing socket, or a daemon that drops the connection mid-call, fails at once.
   */
  list(timeoutMs: number): Promise<unknown> {
    const socket = this.connection();
    const id = `stackmon:${process.pid}:${this.nextId++}`;
    return new Promise((resolve, reject) => {
      // The answer arrives in chunks: they are joined once, when the message is complete.
      const chunks: Buffer[] = [];
      let receivedBytes = 0;
      let firstPartBytes: number | undefined;
      let settled = false;
      const finish = (error: Error | undefined, answer?: Buffer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.removeListener("data", onData);
        socket.removeListener("error", onError);
        socket.removeListener("close", onClose);
        socket.removeListener("connect", send);
        if (error) {
          // Nothing half-read may stay on a connection: the next call starts afresh.
          this.close();
          reject(error);
          return;
        }
        try {
          resolve(readMonitorAnswer(answer ?? Buffer.alloc(0)));
        } catch (parseError) {
          reject(parseError instanceof Error ? parseError : new Error(String(parseError)));
        }
      };
      const onData = (chunk: Buffer) => {
        chunks.push(chunk);
        receivedBytes += chunk.length;
        if (firstPartBytes === undefined && receivedBytes >= 5)
          firstPartBytes = Buffer.concat(chunks, 5).readUInt32BE(1);
        // The answer, then the 4-byte length of the call's id: only then can it be complete.
        if (firstPartBytes === undefined || receivedBytes < 5 + firstPartBytes + 4) return;
        let args: Buffer[] | undefined;
        try {
          const message = Buffer.concat(chunks, receivedBytes);
          chunks.splice(0, chunks.length, message);
          args = decodeAmp(message);
        } catch (error) {
          return finish(error as Error);
        }
        if (!args) return;
        const [answer, answerId] = args;
        if (answerId?.toString() !== `s:${id}` || answer?.subarray(0, 2).toString() !== "j:")
          return finish(new Error("PM2 answered something other than this call's result"));
        finish(undefined, answer.subarray(2));
      };
      const onError = (error: NodeJS.ErrnoException) =>
        finish(
          new Pm2Unreachable(`no PM2 daemon answers at ${this.socketPath}: ${error.code ?? error.message}`),
        );
      const onClose = () => finish(new Pm2Unreachable("the PM2 daemon closed the connection"));
      const send = () => {
        const call = { type: "call", method: "getMonitorData", args: [{}] };
        socket.write(encodeAmp([Buffer.from(`j:${JSON.stringify(call)}`), Buffer.from(`s:${id}`)]));
      };
      const timer = setTimeout(
        () =>
          finish(
            this.connected
              ? new Pm2Timeout(`PM2 did not answer within ${timeoutMs} ms`)
              : new Pm2Unreachable(`no PM2 daemon answers at ${this.socketPath}`),
          ),
        timeoutMs,
      );
      socket.on("data", onData);
      socket.on("error", onError);
      socket.on("close", onClose);
      if (this.connected) send();
      else socket.once("connect", send);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
    this.connected = false;
  }

  /** The connection, opened when a call needs it and kept for the next one while it lasts. */
  private connection(): Socket {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const socket = createConnection(this.socketPath);
    // Errors and a closing daemon are handled by the call under way; between calls, a closed
    // connection is simply opened again by the next one.
    socket.on("error", () => undefined);
    socket.once("connect", () => {
      if (this.socket === socket) this.connected = true;
    });
    socket.on("close", () => {
      if (this.socket === socket) this.close();
    });
    this.socket = socket;
    this.connected = false;
    return socket;
  }
}

// One shared (multiplexed) OpenSSH connection to a host: authenticated once, then every command
// runs over it in a few milliseconds. Its control socket lives in a private 0700 directory; the
// connection is closed by `close`, at process exit, or after two idle minutes if the run was killed.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../config/configError.js";
import { runCommandRaw, type RawCommandResult, type RawRunOptions } from "../runCommand.js";
import { lostConnection, sshFailure } from "./sshFailure.js";
import {
  checkDestination,
  defaultTimeouts,
  parseEffectiveConfig,
  SshCommandLines,
  type SshTarget,
} from "./sshOptions.js";

/** sshd allows 10 sessions per connection (MaxSessions); stay below. */
const MAX_CONCURRENT_COMMANDS = 8;

/** What a remote command line gets: its stdin and a time limit (the environment is in the line). */
export type RemoteRunOptions = Omit<RawRunOptions, "env">;

function run(argv: readonly string[], options: RemoteRunOptions = {}): Promise<RawCommandResult> {
  const [program, ...args] = argv;
  return runCommandRaw(program ?? "ssh", args, options);
}

/** What ends each open connection when the process exits without closing it. */
const closeAtExit = new Set<() => void>();
let exitHandled = false;

function onProcessExit(close: () => void): void {
  closeAtExit.add(close);
  if (exitHandled) return;
  exitHandled = true;
  process.once("exit", () => {
    for (const each of closeAtExit) each();
  });
}

export class SshConnection {
  private opening: Promise<void> | undefined;
  /** Forwarded sockets by "host:port"; they live as long as the shared connection they are on. */
  private forwards = new Map<string, Promise<string>>();
  private forwardCount = 0;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private closed = false;

  private constructor(
    readonly target: SshTarget,
    private readonly dir: string,
    private readonly lines: SshCommandLines,
    private readonly onExit: () => void,
  ) {}

  private get controlPath(): string {
    return join(this.dir, "control");
  }

  /** Connects (host key checked, key authentication) or throws a UserError naming the host. */
  static async open(target: SshTarget): Promise<SshConnection> {
    checkDestination(target);
    const config = await run(SshCommandLines.effectiveConfig(target));
    if (config.status !== 0) {
      throw new UserError(`${target.name}: ssh cannot read its configuration: ${config.stderr.trim()}`, {
        hint: target.configFile ? `check ${target.configFile}` : "check ~/.ssh/config",
      });
    }
    // mkdtemp makes it 0700: only this user reaches the control socket. A socket's path has
    // room for about 100 bytes: a long TMPDIR (macOS) would not leave enough.
    const base = tmpdir().length <= 60 ? tmpdir() : "/tmp";
    const dir = mkdtempSync(join(base, "stackmon-ssh-"));
    const lines = new SshCommandLines(
      target,
      join(dir, "control"),
      defaultTimeouts(parseEffectiveConfig(config.stdout.toString())),
    );
    // Whatever ends this process, the connection goes with it.
    const onExit = () => {
      const [program, ...args] = lines.control("exit");
      spawnSync(program ?? "ssh", args, { stdio: "ignore", timeout: 5_000 });
      rmSync(dir, { recursive: true, force: true });
    };
    onProcessExit(onExit);
    const connection = new SshConnection(target, dir, lines, onExit);
    try {
      await connection.connect();
    } catch (error) {
      await connection.close();
      throw error;
    }
    return connection;
  }

  /** Starts the shared connection; ssh forks into the background once authenticated. */
  private async startMaster(attempt = 1): Promise<void> {
    const log = join(this.dir, "connect.log");
    // Its stderr goes to a file, not a pipe: the background master keeps its descriptors open.
    const err = openSync(log, "w", 0o600);
    const [program, ...args] = this.lines.master();
    const status = await new Promise<number>((resolve) => {
      const child = spawn(program ?? "ssh", args, { stdio: ["ignore", "ignore", err] });
      child.once("error", () => resolve(127));
      child.once("exit", (code) => resolve(code ?? 255));
    });
    closeSync(err);
    const stderr = readFileSync(log, "utf8");
    rmSync(log, { force: true });
    this.forwards = new Map();
    if (status === 0) return;
    // A server that hangs up before login (sshd still starting, its MaxStartups throttle, a
    // flaky network) is asked again, twice; a refused key or host key is final at once.
    if (attempt < 3 && /Connection (closed|reset) by|kex_exchange_identification/.test(stderr)) {
      await new Promise((resolve) => setTimeout(resolve, attempt * 1000));
      return this.startMaster(attempt + 1);
    }
    throw (
      sshFailure(this.target.name, stderr) ??
      new UserError(
        `${this.target.name}: ssh ${this.target.destination} failed (exit ${status}): ${stderr.trim()}`,
      )
    );
  }

  /** (Re)connects when there is no shared connection; concurrent callers wait for one attempt. */
  private connect(): Promise<void> {
    if (existsSync(this.controlPath)) return Promise.resolve();
    this.opening ??= this.startMaster().finally(() => (this.opening = undefined));
    return this.opening;
  }

  /** Whether the shared connection is still up. */
  async isUp(): Promise<boolean> {
    return existsSync(this.controlPath) && (await run(this.lines.control("check"))).status === 0;
  }

  private async slot(): Promise<() => void> {
    if (this.running >= MAX_CONCURRENT_COMMANDS) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    return () => {
      this.running--;
      this.waiting.shift()?.();
    };
  }

  /**
   * Runs a command line in the remote user's login shell, stdin from `input`, stdout exactly as
   * written. A connection that fails or drops is a UserError naming the host, never an exit code.
   */
  async exec(commandLine: string, options: RemoteRunOptions = {}): Promise<RawCommandResult> {
    if (this.closed) throw new Error(`the SSH connection to ${this.target.name} is closed`);
    const release = await this.slot();
    try {
      // An idle connection ends after a while, or went with the network: connect again.
      await this.connect();
      const result = await run(this.lines.command(commandLine), options);
      // 255 is ssh's own failure, or the remote command's exit status: tell them apart.
      if (result.status !== 255) return result;
      const failure = sshFailure(this.target.name, result.stderr);
      if (failure) throw failure;
      if (!(await this.isUp())) throw lostConnection(this.target.name, result.stderr);
      return result;
    } finally {
      release();
    }
  }

  /**
   * A Unix socket (in the private directory) that reaches host:port as the remote host sees it:
   * "127.0.0.1" is the remote host's loopback. Needs sshd there to allow TCP forwarding.
   */
  async forward(host: string, port: number): Promise<string> {
    if (this.closed) throw new Error(`the SSH connection to ${this.target.name} is closed`);
    await this.connect();
    const key = `${host}:${port}`;
    let socket = this.forwards.get(key);
    if (!socket) {
      socket = this.addForward(host, port);
      this.forwards.set(key, socket);
      socket.catch(() => this.forwards.delete(key));
    }
    return socket;
  }

  private async addForward(host: string, port: number): Promise<string> {
    const socket = join(this.dir, `forward-${this.forwardCount++}`);
    const result = await run(this.lines.forward(socket, host, port), { timeoutMs: 30_000 });
    if (result.status === 0) return socket;
    throw new UserError(
      `${this.target.name}: cannot reach ${host}:${port} there through the SSH connection: ${result.stderr.trim()}`,
      {
        hint: "stackmon checks a host's own endpoints through its SSH connection: sshd there must allow it (AllowTcpForwarding yes or local, the default)",
      },
    );
  }

  /** Ends the shared connection and removes its directory. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (existsSync(this.controlPath)) await run(this.lines.control("exit"), { timeoutMs: 10_000 });
    rmSync(this.dir, { recursive: true, force: true });
    closeAtExit.delete(this.onExit);
  }
}

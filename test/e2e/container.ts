// A booted Debian container (systemd-nspawn -b) for the end-to-end suite. The cached rootfs is
// never written: the container runs on a volatile overlay. Every container is recorded with the
// pid of the test that owns it, so one left behind by a killed test run is stopped by the next.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { E2E_CACHE_DIR } from "./debianRootfs.js";

export interface ExecResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  readonly input?: string;
  readonly timeoutMs?: number;
  readonly env?: Record<string, string>;
}

const REGISTRY = join(E2E_CACHE_DIR, "containers");
const CONTAINER_ENV = [
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  "HOME=/root",
  "LANG=C.UTF-8",
  "TERM=dumb",
];

/** Why this machine cannot boot the container, or undefined when it can. */
export function cannotBootReason(): string | undefined {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not running as root (systemd-nspawn and debootstrap need root)";
  for (const tool of ["systemd-nspawn", "debootstrap", "nsenter"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0)
      return `${tool} is not installed (apt-get install systemd-container debootstrap)`;
  }
  if (process.env["STACKMON_E2E"] === "0") return "STACKMON_E2E=0";
  return undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Writes a registry record whole or not at all: test files run side by side, and one that reads
 * a record half-written by another would take it for garbage and remove it.
 */
export function writeRecord(file: string, data: object): void {
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, JSON.stringify(data));
  renameSync(partial, file);
}

/** The records in a registry directory (only whole ones: partial files are another's write). */
export function recordFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((entry) => entry.endsWith(".json")) : [];
}

/** Stops containers whose owning test process is gone (a test run killed before teardown). */
export function stopAbandonedContainers(): void {
  for (const entry of recordFiles(REGISTRY)) {
    const file = join(REGISTRY, entry);
    try {
      const record = JSON.parse(readFileSync(file, "utf8")) as {
        owner: number;
        nspawn: number;
        init: number;
      };
      if (isAlive(record.owner)) continue;
      kill(record.init, "SIGKILL");
      kill(record.nspawn, "SIGKILL");
    } catch {
      // An unreadable record names nothing to stop.
    }
    rmSync(file, { force: true });
  }
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === pid) children.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return children;
}

/** Every process below `pid`, children first. */
export function descendantsOf(pid: number): number[] {
  return childrenOf(pid).flatMap((child) => [child, ...descendantsOf(child)]);
}

function commandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

let signalsHandled = false;

/** Ctrl-C or SIGTERM skips "exit" handlers; turn them into an exit so containers go too. */
function stopOnSignals(): void {
  if (signalsHandled) return;
  signalsHandled = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => process.exit(signal === "SIGINT" ? 130 : 143));
  }
}

export class Container {
  private constructor(
    readonly name: string,
    /** The container's PID 1 as this host sees it. */
    readonly init: number,
    private readonly nspawn: ChildProcess,
    readonly consoleLog: string,
    private readonly record: string,
    private readonly onExit: () => void,
  ) {}

  /**
   * Boots `rootfs` on a volatile overlay (the rootfs stays untouched) with the given binds
   * ("HOST:CONTAINER"), and waits until systemd reports the system running.
   */
  static async boot(options: {
    readonly rootfs: string;
    readonly name: string;
    readonly binds?: readonly string[];
    /** Like `binds`, read-only inside. */
    readonly readOnlyBinds?: readonly string[];
    /** System calls (or @groups) the container may make beyond systemd-nspawn's own allow list. */
    readonly systemCalls?: readonly string[];
    readonly logDir: string;
    /** A network namespace to join (/run/netns/NAME) instead of sharing this host's network. */
    readonly networkNamespace?: string;
    /** The container's hostname, when not its (unique) machine name. */
    readonly hostname?: string;
  }): Promise<Container> {
    stopAbandonedContainers();
    mkdirSync(REGISTRY, { recursive: true });
    const consoleLog = join(options.logDir, `${options.name}.console.log`);
    const out = openSync(consoleLog, "w");
    const nspawn = spawn(
      "systemd-nspawn",
      [
        "-q",
        "-D",
        options.rootfs,
        "-b",
        "-M",
        options.name,
        "--register=no",
        "--keep-unit",
        "--volatile=overlay",
        "--console=pipe",
        ...(options.binds ?? []).map((b) => `--bind=${b}`),
        ...(options.readOnlyBinds ?? []).map((b) => `--bind-ro=${b}`),
        ...(options.networkNamespace ? [`--network-namespace-path=${options.networkNamespace}`] : []),
        ...(options.hostname ? [`--hostname=${options.hostname}`] : []),
        ...(options.systemCalls?.length ? [`--system-call-filter=${options.systemCalls.join(" ")}`] : []),
      ],
      { stdio: ["ignore", out, out] },
    );
    closeSync(out);
    const nspawnPid = nspawn.pid;
    if (nspawnPid === undefined) throw new Error("systemd-nspawn did not start");
    let init = 0;
    const deadline = Date.now() + 30_000;
    while (init === 0) {
      if (nspawn.exitCode !== null || Date.now() > deadline) {
        kill(nspawnPid, "SIGKILL");
        throw new Error(`the container did not boot:\n${readFileSync(consoleLog, "utf8").slice(-3000)}`);
      }
      init = childrenOf(nspawnPid).find((pid) => commandName(pid) === "systemd") ?? 0;
      if (init === 0) await new Promise((r) => setTimeout(r, 100));
    }
    const record = join(REGISTRY, `${options.name}.json`);
    writeRecord(record, { owner: process.pid, nspawn: nspawnPid, init });
    // Whatever ends this process, the container goes with it.
    const onExit = () => {
      kill(init, "SIGKILL");
      kill(nspawnPid, "SIGKILL");
      rmSync(record, { force: true });
    };
    process.once("exit", onExit);
    stopOnSignals();
    const container = new Container(options.name, init, nspawn, consoleLog, record, onExit);
    // Until its systemd has its bus up, systemctl cannot even ask; poll rather than --wait.
    const bootDeadline = Date.now() + 90_000;
    for (;;) {
      const state = await container.exec("systemctl", ["is-system-running"], { timeoutMs: 10_000 });
      if (/^(running|degraded)/.test(state.stdout)) return container;
      if (Date.now() > bootDeadline) {
        await container.stop();
        throw new Error(`the container did not reach multi-user: ${state.stdout}${state.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private nsenterArgs(command: string, args: readonly string[], env: Record<string, string> = {}): string[] {
    const extra = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    return [
      "-t",
      String(this.init),
      "-a",
      // env changes directory once inside: nsenter's own --wd is resolved against this host's root.
      "env",
      "-i",
      "-C",
      "/",
      ...CONTAINER_ENV,
      ...extra,
      command,
      ...args,
    ];
  }

  /** Runs a command inside, to completion. */
  exec(command: string, args: readonly string[] = [], options: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve) => {
      const child = spawn("nsenter", this.nsenterArgs(command, args, options.env), {
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
      child.once("close", (code) => {
        clearTimeout(timer);
        resolve({ status: code ?? -1, stdout, stderr });
      });
      child.stdin.on("error", () => {});
      child.stdin.end(options.input ?? "");
    });
  }

  /** Runs a command inside and fails with its output when it exits non-zero. */
  async run(command: string, args: readonly string[] = [], options: ExecOptions = {}): Promise<string> {
    const result = await this.exec(command, args, options);
    if (result.status !== 0) {
      throw new Error(
        `${command} ${args.join(" ")} exited ${result.status} in the container:\n${result.stdout}\n${result.stderr}`,
      );
    }
    return result.stdout;
  }

  /** Starts a command inside without waiting; its output is collected on the returned child. */
  start(command: string, args: readonly string[] = [], env: Record<string, string> = {}): ChildProcess {
    return spawn("nsenter", this.nsenterArgs(command, args, env), { stdio: ["ignore", "pipe", "pipe"] });
  }

  async writeFile(path: string, content: string, mode = "0644"): Promise<void> {
    await this.run(
      "sh",
      ["-c", `mkdir -p "$(dirname "$1")" && cat > "$1" && chmod ${mode} "$1"`, "sh", path],
      {
        input: content,
      },
    );
  }

  readFile(path: string): Promise<string> {
    return this.run("cat", [path]);
  }

  /**
   * The container trusts the certificate authorities this host added to its own store (a
   * TLS-inspecting proxy on the way to the npm registry); returns the environment Node.js needs
   * to use them.
   */
  async trustHostCertificates(): Promise<Record<string, string>> {
    const dir = "/usr/local/share/ca-certificates";
    const added = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".crt")) : [];
    if (added.length === 0) return {};
    for (const file of added) await this.writeFile(`${dir}/${file}`, readFileSync(join(dir, file), "utf8"));
    await this.run("update-ca-certificates");
    return process.env["NODE_EXTRA_CA_CERTS"]
      ? { NODE_EXTRA_CA_CERTS: "/etc/ssl/certs/ca-certificates.crt" }
      : {};
  }

  /** Shuts the container down (SIGTERM to systemd-nspawn), killing it if that takes too long. */
  async stop(): Promise<void> {
    if (this.nspawn.exitCode === null && this.nspawn.signalCode === null) {
      const exited = new Promise((r) => this.nspawn.once("exit", r));
      this.nspawn.kill("SIGTERM");
      const timer = setTimeout(() => {
        kill(this.init, "SIGKILL");
        this.nspawn.kill("SIGKILL");
      }, 30_000);
      await exited;
      clearTimeout(timer);
    }
    kill(this.init, "SIGKILL");
    rmSync(this.record, { force: true });
    process.removeListener("exit", this.onExit);
  }
}

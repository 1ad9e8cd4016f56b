// The machine stackmon changes, behind one interface: its files, packages, users, services and
// commands. Plan reads through it, apply writes through it; nothing else touches a host.
import type { PackageRepository } from "../render/desiredState.js";

/** Who owns a path and with which mode; names, not numeric ids, so plans read as people think. */
export interface Ownership {
  readonly mode: number;
  readonly owner: string;
  readonly group: string;
}

export interface PathStat extends Ownership {
  readonly kind: "file" | "directory" | "symlink" | "other";
}

/** Paths are absolute host paths ("/etc/prometheus/prometheus.yml"). */
export interface HostFiles {
  read(path: string): Promise<Buffer | undefined>;
  stat(path: string): Promise<PathStat | undefined>;
  /** Atomic: readers see the old content or the new one, never a torn file. */
  write(path: string, content: string | Uint8Array, ownership: Ownership): Promise<void>;
  /** Creates the directory (and missing parents) or corrects the attributes of an existing one. */
  ensureDirectory(path: string, ownership: Ownership): Promise<void>;
  setOwnership(path: string, ownership: Ownership): Promise<void>;
  remove(path: string): Promise<void>;
  /** A private, empty directory for candidate files, removed with `removeTree`. */
  makeStagingDirectory(): Promise<string>;
  removeTree(path: string): Promise<void>;
  /** The path as commands run by `run` see it (differs under `--root DIR`). */
  commandPath(path: string): string;
  /** Whether ownership is applied and reported (not when laying files out for review). */
  readonly managesOwnership: boolean;
}

export type PackageManager = "apt" | "dnf" | "yum";

export interface HostPackages {
  readonly manager: PackageManager;
  /** The installed version, or undefined when not installed. */
  installedVersion(name: string): Promise<string | undefined>;
  /** The version an install would bring, or undefined when no repository offers it. */
  candidateVersion(name: string): Promise<string | undefined>;
  /** Fetch package lists (apt-get update; a no-op where the manager does it itself). */
  refresh(): Promise<void>;
  /**
   * Installs the packages. Their own services are held back from starting with the packaged
   * defaults: stackmon's units take over and start them configured.
   */
  install(names: readonly string[]): Promise<void>;
  /** Whether the vendor repository is configured. */
  hasRepository(repository: PackageRepository): Promise<boolean>;
  addRepository(repository: PackageRepository): Promise<void>;
}

export interface UserInfo {
  readonly name: string;
  readonly group: string;
  readonly supplementaryGroups: readonly string[];
}

export interface HostUsers {
  user(name: string): Promise<UserInfo | undefined>;
  groupExists(name: string): Promise<boolean>;
  /** A system user with that primary group: no login shell, no home directory. */
  createSystemUser(name: string, group: string, supplementaryGroups: readonly string[]): Promise<void>;
  addToGroups(name: string, groups: readonly string[]): Promise<void>;
}

export interface UnitStatus {
  /** "loaded", "not-found", ... */
  readonly loadState: string;
  /** "active", "inactive", "failed", "activating", ... */
  readonly activeState: string;
  readonly subState: string;
  /** "enabled", "disabled", "static", ... */
  readonly unitFileState: string;
  /** When the unit last entered the active state; unchanged across reloads, new on restart. */
  readonly activeEnterTimestamp: string;
  /** How often systemd restarted it after a failure since it was last started. */
  readonly restarts: number;
  readonly mainPid: number;
}

export interface HostServices {
  daemonReload(): Promise<void>;
  status(unit: string): Promise<UnitStatus>;
  enable(unit: string): Promise<void>;
  disable(unit: string): Promise<void>;
  start(unit: string): Promise<void>;
  stop(unit: string): Promise<void>;
  restart(unit: string): Promise<void>;
  reload(unit: string): Promise<void>;
  /** Its last log lines (journald), to say why it did not come back. */
  recentLog(unit: string, lines: number): Promise<string>;
}

export interface CommandResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Goes to the program's stdin: the only way a secret reaches a command. */
  readonly input?: string;
  /** The program is killed after this long (its status is then non-zero). */
  readonly timeoutMs?: number;
  /** Added to the program's environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * The command-runner port: runs a program on the host to completion and says how it ended.
 * Never throws for a failing program (a program that cannot start has status 127).
 *
 * Everything stackmon does to a system (packages, users, systemd, journal, provisioning
 * checks: src/host/system/) is written once over this port and `HostFiles`, so that the same
 * code drives this machine (src/host/runCommand.ts + DiskFiles) and a remote one (a runner
 * that goes through ssh, and files read and written over it).
 */
export type CommandRunner = (
  program: string,
  args: readonly string[],
  options?: RunOptions,
) => Promise<CommandResult>;

export interface HostCommands {
  /** Whether `path` is a program commands can run. */
  executable(path: string): Promise<boolean>;
  readonly run: CommandRunner;
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

export interface HttpRequestOptions {
  readonly timeoutMs?: number;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** A request body (JSON for an API), sent with the method given. */
  readonly body?: string;
}

/**
 * An HTTP(S) request to one of the host's own endpoints, made from where it answers: a
 * loopback address means the host's loopback. Undefined when nothing answered (refused, timed
 * out, TLS failed). The stack's certificates are its own, often self-signed: not checked.
 */
export type HostHttp = (url: string, options?: HttpRequestOptions) => Promise<HttpAnswer | undefined>;

/**
 * A machine. The parts a host cannot do are absent: a directory laid out for review has files
 * and commands, but no packages, users or services.
 */
export interface Host {
  /** For messages: "this machine", "directory /tmp/review". */
  readonly description: string;
  readonly files: HostFiles;
  readonly commands: HostCommands;
  /** Requests to the stack's endpoints (readiness, verify, reloads over an API). */
  readonly http: HostHttp;
  readonly packages?: HostPackages;
  readonly users?: HostUsers;
  readonly services?: HostServices;
}

export function formatMode(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, "0")}`;
}

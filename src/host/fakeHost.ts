// A whole machine in memory, for tests of plan and apply: files, packages, users and systemd
// units behave as on a real host, and every change is recorded in `events` in order.
import type {
  CommandResult,
  Host,
  HostCommands,
  HostFiles,
  HostHttp,
  HostPackages,
  HostServices,
  HostUsers,
  Ownership,
  PackageManager,
  PathStat,
  UnitStatus,
  UserInfo,
} from "./host.js";
import type { PackageRepository } from "../render/desiredState.js";
import { httpGet } from "../verify/httpProbe.js";

interface FakeEntry {
  readonly kind: "file" | "directory";
  readonly content: Buffer;
  readonly ownership: Ownership;
}

export interface FakeUnit {
  active: boolean;
  failed: boolean;
  enabled: boolean;
  /** Bumped on every (re)start, like ActiveEnterTimestamp. */
  startedAt: number;
  restarts: number;
  /** The unit file text the running process was started from. */
  runningFrom: string | undefined;
}

export interface FakeHostOptions {
  /** The package manager; null for a host without one. */
  readonly manager?: PackageManager | null;
  /** Package → installed version. */
  readonly installed?: Record<string, string>;
  /** Package → the version the repositories offer (known once the lists are fetched). */
  readonly available?: Record<string, string>;
  readonly listsFetched?: boolean;
  /** Package → the programs it installs. */
  readonly packagePrograms?: Record<string, readonly string[]>;
  readonly users?: Record<string, { group: string; supplementaryGroups?: string[] }>;
  /** false for a host without systemd. */
  readonly systemd?: boolean;
  /** Answers commands (validators, provisioning); undefined falls back to the built-in ones. */
  readonly commands?: (program: string, args: readonly string[], input: string) => CommandResult | undefined;
  /** Its HTTP; default: requests to this machine (a test's servers listen on its loopback). */
  readonly http?: HostHttp;
  /** A unit that fails right after it is (re)started, judged on the host as it is then. */
  readonly failsToStart?: (unit: string, host: FakeHost) => boolean;
}

const ROOT: Ownership = { mode: 0o755, owner: "root", group: "root" };

export class FakeHost implements Host {
  readonly description = "fake host";
  readonly events: string[] = [];
  readonly fs = new Map<string, FakeEntry>();
  readonly units = new Map<string, FakeUnit>();
  readonly installed: Map<string, string>;
  readonly userTable = new Map<string, UserInfo>();
  readonly groups = new Set<string>(["root"]);
  readonly repositories = new Set<string>();
  listsFetched: boolean;
  clock = 1000;
  stagingCount = 0;

  readonly files: HostFiles;
  readonly commands: HostCommands;
  readonly http: HostHttp;
  readonly packages?: HostPackages;
  readonly users: HostUsers;
  readonly services?: HostServices;

  constructor(readonly options: FakeHostOptions = {}) {
    this.installed = new Map(Object.entries(options.installed ?? {}));
    this.listsFetched = options.listsFetched ?? true;
    for (const [name, u] of Object.entries(options.users ?? {})) {
      this.userTable.set(name, { name, group: u.group, supplementaryGroups: u.supplementaryGroups ?? [] });
      this.groups.add(u.group);
    }
    this.userTable.set("root", { name: "root", group: "root", supplementaryGroups: [] });
    for (const [pkg] of this.installed) this.installPrograms(pkg);
    this.files = fakeFiles(this);
    this.commands = fakeCommands(this);
    this.http = options.http ?? httpGet;
    this.users = fakeUsers(this);
    const manager = options.manager === undefined ? "apt" : options.manager;
    if (manager) this.packages = fakePackages(this, manager);
    if (options.systemd !== false) this.services = fakeServices(this);
  }

  /** A file's text, for assertions. */
  text(path: string): string | undefined {
    const entry = this.fs.get(path);
    return entry?.kind === "file" ? entry.content.toString("utf8") : undefined;
  }

  unit(name: string): FakeUnit {
    let unit = this.units.get(name);
    if (!unit) {
      unit = {
        active: false,
        failed: false,
        enabled: false,
        startedAt: 0,
        restarts: 0,
        runningFrom: undefined,
      };
      this.units.set(name, unit);
    }
    return unit;
  }

  writeFileNow(
    path: string,
    content: string | Uint8Array,
    ownership: Ownership = { ...ROOT, mode: 0o644 },
  ): void {
    this.ensureParents(path);
    this.fs.set(path, { kind: "file", content: Buffer.from(content), ownership });
  }

  ensureParents(path: string, ownership: Ownership = ROOT): void {
    const parts = path.split("/").slice(1, -1);
    let dir = "";
    for (const part of parts) {
      dir += `/${part}`;
      if (!this.fs.has(dir)) this.fs.set(dir, { kind: "directory", content: Buffer.alloc(0), ownership });
    }
  }

  installPrograms(pkg: string): void {
    for (const program of this.options.packagePrograms?.[pkg] ?? []) {
      this.writeFileNow(program, `fake ${pkg} program, version ${this.installed.get(pkg) ?? "0"}`, ROOT);
    }
  }

  unitFileText(unit: string): string | undefined {
    return this.text(`/etc/systemd/system/${unit}`) ?? this.text(`/lib/systemd/system/${unit}`);
  }
}

function fakeFiles(host: FakeHost): HostFiles {
  return {
    managesOwnership: true,
    read: (path) =>
      Promise.resolve(host.fs.get(path)?.kind === "file" ? host.fs.get(path)?.content : undefined),
    stat: (path): Promise<PathStat | undefined> => {
      const entry = host.fs.get(path);
      return Promise.resolve(entry ? { kind: entry.kind, ...entry.ownership } : undefined);
    },
    write: (path, content, ownership) => {
      host.events.push(`write ${path}`);
      host.writeFileNow(path, content, ownership);
      return Promise.resolve();
    },
    ensureDirectory: (path, ownership) => {
      host.events.push(`directory ${path}`);
      // As Node's mkdirSync(path, { recursive: true, mode }) does: missing parents get the
      // directory's own mode, the least a Host may do (callers create parents they care about).
      host.ensureParents(path, ownership);
      host.fs.set(path, { kind: "directory", content: Buffer.alloc(0), ownership });
      return Promise.resolve();
    },
    setOwnership: (path, ownership) => {
      const entry = host.fs.get(path);
      if (!entry) return Promise.reject(new Error(`ENOENT ${path}`));
      host.events.push(`chmod ${path}`);
      host.fs.set(path, { ...entry, ownership });
      return Promise.resolve();
    },
    remove: (path) => {
      host.events.push(`remove ${path}`);
      host.fs.delete(path);
      return Promise.resolve();
    },
    makeStagingDirectory: () => {
      const path = `/var/lib/stackmon/staging/${++host.stagingCount}`;
      host.ensureParents(`${path}/x`);
      return Promise.resolve(path);
    },
    removeTree: (path) => {
      for (const key of [...host.fs.keys()])
        if (key === path || key.startsWith(`${path}/`)) host.fs.delete(key);
      return Promise.resolve();
    },
    commandPath: (path) => path,
  };
}

function fakeCommands(host: FakeHost): HostCommands {
  return {
    executable: (path) => {
      const entry = host.fs.get(path);
      return Promise.resolve(entry?.kind === "file" && (entry.ownership.mode & 0o111) !== 0);
    },
    run: (program, args, options = {}) => {
      host.events.push(`run ${program} ${args.join(" ")}`.trim());
      const answer = host.options.commands?.(program, args, options.input ?? "");
      if (answer) return Promise.resolve(answer);
      const entry = host.fs.get(program);
      if (args[0] === "--version" && entry?.kind === "file") {
        return Promise.resolve({ status: 0, stdout: entry.content.toString("utf8"), stderr: "" });
      }
      if (!entry && !program.includes("/")) return Promise.resolve({ status: 0, stdout: "", stderr: "" });
      return Promise.resolve(
        entry
          ? { status: 0, stdout: "", stderr: "" }
          : { status: 127, stdout: "", stderr: `${program}: not found` },
      );
    },
  };
}

function fakePackages(host: FakeHost, manager: PackageManager): HostPackages {
  const available = host.options.available ?? {};
  const key = (r: PackageRepository) => (manager === "apt" ? r.apt?.listPath : r.dnf?.repoPath) ?? "";
  return {
    manager,
    installedVersion: (name) => Promise.resolve(host.installed.get(name)),
    candidateVersion: (name) => Promise.resolve(host.listsFetched ? available[name] : undefined),
    refresh: () => {
      host.events.push("packages refresh");
      host.listsFetched = true;
      return Promise.resolve();
    },
    install: (names) => {
      host.events.push(`packages install ${names.join(" ")}`);
      for (const name of names) {
        const version = host.listsFetched ? available[name] : undefined;
        if (version === undefined) return Promise.reject(new Error(`E: Unable to locate package ${name}`));
        host.installed.set(name, version);
        host.installPrograms(name);
      }
      return Promise.resolve();
    },
    hasRepository: (repository) => Promise.resolve(host.repositories.has(key(repository))),
    addRepository: (repository) => {
      host.events.push(`repository ${key(repository)}`);
      host.repositories.add(key(repository));
      return Promise.resolve();
    },
  };
}

function fakeUsers(host: FakeHost): HostUsers {
  return {
    user: (name) => Promise.resolve(host.userTable.get(name)),
    groupExists: (name) => Promise.resolve(host.groups.has(name)),
    createSystemUser: (name, group, supplementaryGroups) => {
      host.events.push(`useradd ${name}`);
      host.groups.add(group);
      host.userTable.set(name, { name, group, supplementaryGroups: [...supplementaryGroups] });
      return Promise.resolve();
    },
    addToGroups: (name, groups) => {
      const user = host.userTable.get(name);
      if (!user) return Promise.reject(new Error(`no user ${name}`));
      host.events.push(`usermod ${name} ${groups.join(",")}`);
      host.userTable.set(name, { ...user, supplementaryGroups: [...user.supplementaryGroups, ...groups] });
      return Promise.resolve();
    },
  };
}

function fakeServices(host: FakeHost): HostServices {
  const begin = (unit: string, verb: string) => {
    host.events.push(`${verb} ${unit}`);
    const text = host.unitFileText(unit);
    if (text === undefined) return Promise.reject(new Error(`Unit ${unit} not found.`));
    const state = host.unit(unit);
    state.startedAt = ++host.clock;
    state.runningFrom = text;
    const fails = host.options.failsToStart?.(unit, host) ?? false;
    state.active = !fails;
    state.failed = fails;
    return Promise.resolve();
  };
  return {
    daemonReload: () => {
      host.events.push("daemon-reload");
      return Promise.resolve();
    },
    status: (unit): Promise<UnitStatus> => {
      const state = host.unit(unit);
      return Promise.resolve({
        loadState: host.unitFileText(unit) === undefined ? "not-found" : "loaded",
        activeState: state.failed ? "failed" : state.active ? "active" : "inactive",
        subState: state.active ? "running" : "dead",
        unitFileState: state.enabled ? "enabled" : "disabled",
        activeEnterTimestamp: state.active ? `t${state.startedAt}` : "",
        restarts: state.restarts,
        mainPid: state.active ? state.startedAt : 0,
      });
    },
    enable: (unit) => {
      host.events.push(`enable ${unit}`);
      host.unit(unit).enabled = true;
      return Promise.resolve();
    },
    disable: (unit) => {
      host.events.push(`disable ${unit}`);
      host.unit(unit).enabled = false;
      return Promise.resolve();
    },
    start: (unit) => (host.unit(unit).active ? Promise.resolve() : begin(unit, "start")),
    restart: (unit) => begin(unit, "restart"),
    reload: (unit) => {
      host.events.push(`reload ${unit}`);
      const state = host.unit(unit);
      if (!state.active) return Promise.reject(new Error(`${unit} is not active, cannot reload.`));
      const fails = host.options.failsToStart?.(unit, host) ?? false;
      state.active = !fails;
      state.failed = fails;
      return Promise.resolve();
    },
    recentLog: (unit) =>
      Promise.resolve(host.unit(unit).failed ? `${unit}: listen tcp: address already in use\n` : ""),
    stop: (unit) => {
      host.events.push(`stop ${unit}`);
      const state = host.unit(unit);
      state.active = false;
      state.failed = false;
      return Promise.resolve();
    },
  };
}

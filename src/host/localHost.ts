// This machine, as root: files under /, apt or dnf, useradd, systemctl. What `apply` changes.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { UserError } from "../config/configError.js";
import type { PackageRepository } from "../render/desiredState.js";
import { DiskFiles } from "./diskFiles.js";
import type {
  Host,
  HostCommands,
  HostPackages,
  HostServices,
  HostUsers,
  PackageManager,
  UnitStatus,
  UserInfo,
} from "./host.js";
import { isExecutableFile, runCommand } from "./runCommand.js";

const commands: HostCommands = {
  executable: (path) => Promise.resolve(isExecutableFile(path)),
  run: (program, args, options = {}) => runCommand(program, args, options),
};

async function mustRun(
  program: string,
  args: readonly string[],
  env?: Record<string, string>,
): Promise<string> {
  const result = await runCommand(program, args, env ? { env } : {});
  if (result.status !== 0) {
    const output = `${result.stdout}${result.stderr}`.trim().split("\n").slice(-15).join("\n");
    throw new UserError(`${program} ${args.join(" ")} failed (exit ${result.status}):\n${output}`);
  }
  return result.stdout;
}

// Marks the policy-rc.d that apply writes, so a run killed before removing it can recognise it.
const POLICY_RC_D = "/usr/sbin/policy-rc.d";
const POLICY_MARKER = "# stackmon apply: package services start only under stackmon's units";

/**
 * While packages install, their maintainer scripts must not start the services with the
 * packaged defaults (Debian's listen on every interface): stackmon's units start them.
 * An existing foreign policy-rc.d is left as it is.
 */
async function withServiceStartsHeldBack<T>(work: () => Promise<T>): Promise<T> {
  const foreign = existsSync(POLICY_RC_D) && !readFileSync(POLICY_RC_D, "utf8").includes(POLICY_MARKER);
  if (!foreign) writeFileSync(POLICY_RC_D, `#!/bin/sh\n${POLICY_MARKER}\nexit 101\n`, { mode: 0o755 });
  try {
    return await work();
  } finally {
    if (!foreign) rmSync(POLICY_RC_D, { force: true });
  }
}

const APT_ENV = { DEBIAN_FRONTEND: "noninteractive", NEEDRESTART_MODE: "l" };
// Another apt run (unattended-upgrades) may hold the lock for a while: wait rather than fail.
const APT_LOCK = ["-o", "DPkg::Lock::Timeout=300"];

class AptPackages implements HostPackages {
  readonly manager = "apt" as const;

  async installedVersion(name: string): Promise<string | undefined> {
    const result = await runCommand("dpkg-query", ["-W", "-f=${Status}\t${Version}", name]);
    const [status, version] = result.stdout.split("\t");
    return result.status === 0 && status === "install ok installed" && version ? version : undefined;
  }

  async candidateVersion(name: string): Promise<string | undefined> {
    const result = await runCommand("apt-cache", ["policy", name]);
    const candidate = /^\s*Candidate:\s*(\S+)/m.exec(result.stdout)?.[1];
    return candidate && candidate !== "(none)" ? candidate : undefined;
  }

  async refresh(): Promise<void> {
    await mustRun("apt-get", ["update", "-q", ...APT_LOCK], APT_ENV);
  }

  async install(names: readonly string[]): Promise<void> {
    await withServiceStartsHeldBack(() =>
      mustRun(
        "apt-get",
        [
          "install",
          "-y",
          "-q",
          "--no-install-recommends",
          ...APT_LOCK,
          // Our configs replace the packaged ones; an upgrade keeps ours without asking.
          "-o",
          "Dpkg::Options::=--force-confdef",
          "-o",
          "Dpkg::Options::=--force-confold",
          ...names,
        ],
        APT_ENV,
      ),
    );
  }

  hasRepository(repository: PackageRepository): Promise<boolean> {
    const apt = repository.apt;
    if (!apt) return Promise.resolve(true);
    const list = existsSync(apt.listPath) ? readFileSync(apt.listPath, "utf8") : "";
    return Promise.resolve(existsSync(apt.keyPath) && list.includes(apt.sourceLine));
  }

  async addRepository(repository: PackageRepository): Promise<void> {
    const apt = repository.apt;
    if (!apt) return;
    const response = await fetch(apt.keyUrl, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok)
      throw new UserError(`cannot fetch the signing key ${apt.keyUrl}: HTTP ${response.status}`);
    const key = Buffer.from(await response.arrayBuffer());
    const files = new DiskFiles("", true);
    const armored = key.subarray(0, 40).toString("latin1").includes("-----BEGIN PGP");
    let keyring: Uint8Array = key;
    if (armored && !apt.keyPath.endsWith(".asc")) {
      // signed-by wants a binary keyring unless the file is named .asc.
      const result = await runCommand("gpg", ["--dearmor"], { input: key.toString("latin1") });
      if (result.status !== 0)
        throw new UserError(`gpg --dearmor failed for ${apt.keyUrl}`, { hint: "apt-get install gnupg" });
      keyring = Buffer.from(result.stdout, "latin1");
    }
    await files.write(apt.keyPath, keyring, { mode: 0o644, owner: "root", group: "root" });
    await files.write(apt.listPath, `${apt.sourceLine}\n`, { mode: 0o644, owner: "root", group: "root" });
    await this.refresh();
  }
}

class DnfPackages implements HostPackages {
  constructor(readonly manager: "dnf" | "yum") {}

  async installedVersion(name: string): Promise<string | undefined> {
    const result = await runCommand("rpm", ["-q", "--qf", "%{VERSION}", name]);
    return result.status === 0 ? result.stdout.trim() : undefined;
  }

  async candidateVersion(name: string): Promise<string | undefined> {
    const result = await runCommand(this.manager === "dnf" ? "dnf" : "repoquery", [
      ...(this.manager === "dnf" ? ["repoquery"] : []),
      "--latest-limit=1",
      "--qf",
      "%{version}",
      name,
    ]);
    const version = result.stdout.trim().split("\n").pop();
    return result.status === 0 && version ? version : undefined;
  }

  refresh(): Promise<void> {
    return Promise.resolve();
  }

  async install(names: readonly string[]): Promise<void> {
    // RPM scriptlets do not start services; nothing to hold back.
    await mustRun(this.manager, ["install", "-y", ...names]);
  }

  hasRepository(repository: PackageRepository): Promise<boolean> {
    const dnf = repository.dnf;
    if (!dnf) return Promise.resolve(true);
    return Promise.resolve(existsSync(dnf.repoPath) && readFileSync(dnf.repoPath, "utf8") === dnf.repoFile);
  }

  async addRepository(repository: PackageRepository): Promise<void> {
    const dnf = repository.dnf;
    if (!dnf) return;
    await new DiskFiles("", true).write(dnf.repoPath, dnf.repoFile, {
      mode: 0o644,
      owner: "root",
      group: "root",
    });
  }
}

function detectPackageManager(): PackageManager | undefined {
  if (existsSync("/usr/bin/apt-get")) return "apt";
  if (existsSync("/usr/bin/dnf")) return "dnf";
  if (existsSync("/usr/bin/yum")) return "yum";
  return undefined;
}

function parseTable(file: string): string[][] {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split(":"));
  } catch {
    return [];
  }
}

const users: HostUsers = {
  user(name): Promise<UserInfo | undefined> {
    const entry = parseTable("/etc/passwd").find((fields) => fields[0] === name);
    if (!entry) return Promise.resolve(undefined);
    const groups = parseTable("/etc/group");
    const primary = groups.find((g) => g[2] === entry[3])?.[0] ?? String(entry[3]);
    const supplementary = groups
      .filter((g) => (g[3] ?? "").split(",").includes(name))
      .map((g) => g[0] ?? "")
      .sort();
    return Promise.resolve({ name, group: primary, supplementaryGroups: supplementary });
  },
  groupExists(name) {
    return Promise.resolve(parseTable("/etc/group").some((g) => g[0] === name));
  },
  async createSystemUser(name, group, supplementaryGroups) {
    if (!(await users.groupExists(group))) await mustRun("groupadd", ["--system", group]);
    const nologin = existsSync("/usr/sbin/nologin") ? "/usr/sbin/nologin" : "/sbin/nologin";
    await mustRun("useradd", [
      "--system",
      "--no-create-home",
      "--home-dir",
      "/nonexistent",
      "--shell",
      nologin,
      "--gid",
      group,
      ...(supplementaryGroups.length ? ["--groups", supplementaryGroups.join(",")] : []),
      name,
    ]);
  },
  async addToGroups(name, groups) {
    await mustRun("usermod", ["--append", "--groups", groups.join(","), name]);
  },
};

const SHOW_PROPERTIES = [
  "LoadState",
  "ActiveState",
  "SubState",
  "UnitFileState",
  "ActiveEnterTimestamp",
  "NRestarts",
  "MainPID",
];

/** `systemctl show` output: KEY=value lines. Pure, for tests. */
export function parseUnitStatus(text: string): UnitStatus {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) values.set(line.slice(0, at), line.slice(at + 1));
  }
  return {
    loadState: values.get("LoadState") ?? "not-found",
    activeState: values.get("ActiveState") ?? "inactive",
    subState: values.get("SubState") ?? "dead",
    unitFileState: values.get("UnitFileState") ?? "",
    activeEnterTimestamp: values.get("ActiveEnterTimestamp") ?? "",
    restarts: Number(values.get("NRestarts") ?? "0") || 0,
    mainPid: Number(values.get("MainPID") ?? "0") || 0,
  };
}

const systemctl = (...args: string[]) => mustRun("systemctl", args);

const services: HostServices = {
  daemonReload: async () => void (await systemctl("daemon-reload")),
  status: async (unit) =>
    parseUnitStatus(await systemctl("show", `--property=${SHOW_PROPERTIES.join(",")}`, unit)),
  enable: async (unit) => void (await systemctl("enable", "--quiet", unit)),
  disable: async (unit) => void (await systemctl("disable", "--quiet", unit)),
  start: async (unit) => void (await systemctl("start", unit)),
  stop: async (unit) => void (await systemctl("stop", unit)),
  restart: async (unit) => void (await systemctl("restart", unit)),
  reload: async (unit) => void (await systemctl("reload", unit)),
  recentLog: async (unit, lines) =>
    (
      await runCommand("journalctl", [
        "--unit",
        unit,
        "--lines",
        String(lines),
        "--no-pager",
        "--output",
        "cat",
      ])
    ).stdout,
};

/** This machine. Packages and services only where their tools are (a container may lack systemd). */
export function localHost(): Host {
  const manager = detectPackageManager();
  const packages = manager === "apt" ? new AptPackages() : manager ? new DnfPackages(manager) : undefined;
  const systemd = existsSync("/run/systemd/system");
  return {
    description: "this machine",
    files: new DiskFiles("", true),
    commands,
    ...(packages ? { packages } : {}),
    users,
    ...(systemd ? { services } : {}),
  };
}

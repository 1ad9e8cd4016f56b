// The root filesystem of a fleet host and the Debian repository the fleet installs from. Built
// once from the suite's Debian rootfs and cached, keyed by everything that went into it.
//
// A fleet host lives on the test's own network with no route out, so it cannot reach the Debian
// mirror: the packages stackmon installs there (and their dependencies) are downloaded here, with
// this machine's network, into a flat repository that the lab serves on its LAN.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { isAlive } from "../container.js";
import { E2E_CACHE_DIR, ensureDebianRootfs, rootfsKey, run, runInRootfs } from "../debianRootfs.js";

/** Where the lab binds each host's own SSH host key and the test's authorized key. */
export const HOST_SSH_DIR = "/etc/ssh/lab";
/** Where the lab binds the apt source that points at its repository. */
export const LAB_APT_SOURCE = "/etc/apt/sources.list.d/stackmon-lab.list";
/** A login with passwordless sudo, and one without any sudo rights. */
export const SUDO_USER = "admin";
export const NO_SUDO_USER = "nosudo";

/** What stackmon installs on fleet hosts; the repository holds these and their dependencies. */
export const REPOSITORY_PACKAGES = [
  "prometheus",
  "prometheus-alertmanager",
  "prometheus-node-exporter",
  "prometheus-mysqld-exporter",
  "prometheus-blackbox-exporter",
  "victoria-metrics",
  // Not stackmon's: bench/fleet's Ansible side needs Python on the hosts it manages.
  "python3",
] as const;

const RECIPE = {
  version: 1,
  /** What a fresh server reached over SSH has, on top of the suite's Debian. */
  packages: ["openssh-server", "sudo"],
  repository: REPOSITORY_PACKAGES,
  files: {
    "/etc/ssh/sshd_config.d/stackmon-lab.conf": [
      "# Each host's own key, bound in by the lab: no two hosts share one.",
      `HostKey ${HOST_SSH_DIR}/ssh_host_ed25519_key`,
      "# The test's key for every login, besides the usual per-user file.",
      `AuthorizedKeysFile .ssh/authorized_keys ${HOST_SSH_DIR}/authorized_keys`,
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "",
    ].join("\n"),
    [`/etc/sudoers.d/${SUDO_USER}`]: `${SUDO_USER} ALL=(ALL:ALL) NOPASSWD: ALL\n`,
  },
} as const;

export interface FleetRootfs {
  /** The root filesystem every fleet host boots from (on a volatile overlay: never written). */
  readonly rootfs: string;
  /** A flat Debian repository (Packages index and .debs), served to the LAN by the lab. */
  readonly repository: string;
}

function fleetKey(): string {
  return createHash("sha256")
    .update(JSON.stringify({ ...RECIPE, base: rootfsKey() }))
    .digest("hex")
    .slice(0, 16);
}

/** The flat repository's index: what dpkg-scanpackages says about the .debs, plain and gzipped. */
function indexRepository(repository: string, log: (line: string) => void): void {
  log(`dpkg-scanpackages ${repository}`);
  const scan = spawnSync("dpkg-scanpackages", ["--multiversion", "."], {
    cwd: repository,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (scan.status !== 0) throw new Error(`dpkg-scanpackages failed (${scan.status}): ${scan.stderr}`);
  writeFileSync(join(repository, "Packages"), scan.stdout);
  writeFileSync(join(repository, "Packages.gz"), gzipSync(scan.stdout));
}

function bake(rootfs: string, repository: string, log: (line: string) => void): void {
  const policy = join(rootfs, "usr/sbin/policy-rc.d");
  writeFileSync(policy, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
  // The suite's rootfs has no package lists (a fresh server fetches its own).
  runInRootfs(rootfs, ["apt-get", "update", "-q"], log);
  runInRootfs(rootfs, ["apt-get", "install", "-y", "-q", "--no-install-recommends", ...RECIPE.packages], log);
  // Exactly what an install on a host booted from this rootfs needs; stackmon installs
  // without recommends, and apt skips a recommended package that no source offers.
  mkdirSync(join(repository, "partial"), { recursive: true });
  runInRootfs(
    rootfs,
    [
      "apt-get",
      "install",
      "-y",
      "-q",
      "--download-only",
      "--no-install-recommends",
      "-o",
      "Dir::Cache::archives=/var/cache/stackmon-lab-repository",
      ...RECIPE.repository,
    ],
    log,
    [`--bind=${repository}:/var/cache/stackmon-lab-repository`],
  );
  rmSync(join(repository, "partial"), { recursive: true, force: true });
  rmSync(join(repository, "lock"), { force: true });
  indexRepository(repository, log);
  for (const user of [SUDO_USER, NO_SUDO_USER]) {
    runInRootfs(rootfs, ["useradd", "--create-home", "--shell", "/bin/bash", user], log);
    // "*": no password to log in with, but not a locked account (sshd refuses those).
    runInRootfs(rootfs, ["usermod", "--password", "*", user], log);
  }
  runInRootfs(rootfs, ["apt-get", "clean"], log);
  rmSync(policy);
  // A fresh server has its own host keys; the lab gives each host one.
  for (const entry of readdirSync(join(rootfs, "etc/ssh")))
    if (entry.startsWith("ssh_host_")) rmSync(join(rootfs, "etc/ssh", entry));
  // Only the lab's repository: the mirror is out of reach from the LAN.
  rmSync(join(rootfs, "etc/apt/sources.list"), { force: true });
  rmSync(join(rootfs, "etc/apt/sources.list.d"), { recursive: true, force: true });
  mkdirSync(join(rootfs, "etc/apt/sources.list.d"));
  rmSync(join(rootfs, "var/lib/apt/lists"), { recursive: true, force: true });
  mkdirSync(join(rootfs, "var/lib/apt/lists/partial"), { recursive: true });
  for (const [file, content] of Object.entries(RECIPE.files)) {
    mkdirSync(join(rootfs, file, ".."), { recursive: true });
    writeFileSync(join(rootfs, file), content, { mode: file.startsWith("/etc/sudoers.d/") ? 0o440 : 0o644 });
  }
  runInRootfs(rootfs, ["visudo", "--check", "--file", `/etc/sudoers.d/${SUDO_USER}`], log);
}

/**
 * The cached fleet rootfs and repository, built when missing (about a minute with a near mirror,
 * more when the suite's own rootfs must be built first). Built under a temporary name and renamed
 * into place, so an interrupted build never looks complete.
 */
export function ensureFleetRootfs(log: (line: string) => void = () => {}): FleetRootfs {
  const base = ensureDebianRootfs(log);
  const dir = join(E2E_CACHE_DIR, `fleet-${fleetKey()}`);
  const result = { rootfs: join(dir, "rootfs"), repository: join(dir, "repository") };
  if (existsSync(join(dir, "complete"))) return result;
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  try {
    log(`copying ${base}`);
    mkdirSync(building, { recursive: true });
    // A plain copy keeps owners, modes and device nodes (cp -a, reflinked where the filesystem can).
    run("cp", ["-a", "--reflink=auto", base, join(building, "rootfs")], log);
    bake(join(building, "rootfs"), join(building, "repository"), log);
    writeFileSync(join(building, "complete"), `${new Date().toISOString()}\n`);
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    renameSync(building, dir);
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    throw error;
  }
  // Older recipes' fleet trees, and builds of killed runs, are of no further use.
  for (const entry of readdirSync(E2E_CACHE_DIR)) {
    const builder = /\.building-(\d+)$/.exec(entry)?.[1];
    const stale = builder === undefined ? join(E2E_CACHE_DIR, entry) !== dir : !isAlive(Number(builder));
    if (entry.startsWith("fleet-") && stale)
      rmSync(join(E2E_CACHE_DIR, entry), { recursive: true, force: true });
  }
  return result;
}

/** The packages the repository offers, by name (from its index). */
export function repositoryPackageNames(repository: string): string[] {
  return readFileSync(join(repository, "Packages"), "utf8")
    .split("\n")
    .filter((line) => line.startsWith("Package: "))
    .map((line) => line.slice("Package: ".length));
}

// `node --import tsx test/e2e/fleet/fleetRootfs.ts` builds the cache ahead of a test run.
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(ensureFleetRootfs((line) => console.log(`fleet rootfs: ${line}`)));
}

// A Debian 12 root filesystem for the booted-container suite, built once with debootstrap and
// cached under /var/cache/stackmon-e2e, keyed by everything that went into it.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const E2E_CACHE_DIR = process.env["STACKMON_E2E_CACHE"] ?? "/var/cache/stackmon-e2e";

/** What a fresh server has before stackmon: systemd, curl, and the MySQL it runs for its apps. */
const RECIPE = {
  version: 2,
  suite: "bookworm",
  variant: "minbase",
  include: ["systemd", "systemd-sysv", "dbus", "ca-certificates", "curl"],
  /** Installed after debootstrap, with service starts held back (the container starts them). */
  packages: ["mariadb-server"],
  files: {
    // MariaDB on its socket only: the container shares the host's network, so no port 3306,
    // neither from the server nor from its socket-activation unit.
    "/etc/mysql/mariadb.conf.d/99-stackmon-e2e.cnf": "[mysqld]\nskip-networking\n",
    "/etc/systemd/system/mariadb.socket": "",
    // A tty-less boot needs no login prompt.
    "/etc/systemd/system/console-getty.service": "",
  },
} as const;

/** The Debian mirror this machine uses (the container's apt reaches the same one). */
export function debianMirror(): string {
  try {
    const sources = readFileSync("/etc/apt/sources.list.d/debian.sources", "utf8");
    const uri = /^URIs:\s*(\S+)/m.exec(sources)?.[1];
    if (uri && !uri.includes("security")) return uri;
  } catch {
    // No deb822 sources: fall through to the default mirror.
  }
  return "http://deb.debian.org/debian";
}

export function rootfsKey(mirror = debianMirror()): string {
  return createHash("sha256")
    .update(JSON.stringify({ ...RECIPE, mirror }))
    .digest("hex")
    .slice(0, 16);
}

export function run(command: string, args: readonly string[], log: (line: string) => void): void {
  log(`${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (result.status !== 0) {
    throw new Error(`${command} failed (${result.status}):\n${result.stdout}\n${result.stderr}`.slice(-4000));
  }
}

/** Runs a command inside `rootfs` (not booted; this host's network, so apt reaches the mirror). */
export function runInRootfs(
  rootfs: string,
  command: readonly string[],
  log: (line: string) => void,
  nspawnOptions: readonly string[] = [],
): void {
  run(
    "systemd-nspawn",
    [
      "-q",
      "-D",
      rootfs,
      "--register=no",
      "--keep-unit",
      "--setenv=DEBIAN_FRONTEND=noninteractive",
      ...nspawnOptions,
      ...command,
    ],
    log,
  );
}

/**
 * The cached rootfs directory, built when missing. Built under a temporary name and renamed
 * into place, so an interrupted build never leaves a half rootfs that looks complete.
 */
export function ensureDebianRootfs(log: (line: string) => void = () => {}): string {
  const mirror = debianMirror();
  const path = join(E2E_CACHE_DIR, `rootfs-${rootfsKey(mirror)}`);
  if (existsSync(join(path, "etc", "os-release"))) return path;
  mkdirSync(E2E_CACHE_DIR, { recursive: true });
  const building = `${path}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  try {
    run(
      "debootstrap",
      [
        `--variant=${RECIPE.variant}`,
        `--include=${RECIPE.include.join(",")}`,
        RECIPE.suite,
        building,
        mirror,
      ],
      log,
    );
    const policy = join(building, "usr/sbin/policy-rc.d");
    writeFileSync(policy, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
    runInRootfs(
      building,
      ["apt-get", "install", "-y", "-q", "--no-install-recommends", ...RECIPE.packages],
      log,
    );
    rmSync(policy);
    runInRootfs(building, ["apt-get", "clean"], log);
    // A fresh server has no package lists yet: apply must fetch them itself.
    rmSync(join(building, "var/lib/apt/lists"), { recursive: true, force: true });
    mkdirSync(join(building, "var/lib/apt/lists/partial"), { recursive: true });
    for (const [file, content] of Object.entries(RECIPE.files)) {
      const target = join(building, file);
      mkdirSync(join(target, ".."), { recursive: true });
      if (content === "") {
        rmSync(target, { force: true });
        spawnSync("ln", ["-s", "/dev/null", target]);
      } else {
        writeFileSync(target, content);
      }
    }
    if (existsSync(path)) rmSync(building, { recursive: true, force: true });
    else renameSync(building, path);
    // Older recipes' rootfs are of no further use.
    for (const entry of readdirSync(E2E_CACHE_DIR)) {
      if (entry.startsWith("rootfs-") && join(E2E_CACHE_DIR, entry) !== path && !entry.includes(".building-"))
        rmSync(join(E2E_CACHE_DIR, entry), { recursive: true, force: true });
    }
    return path;
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    throw error;
  }
}

// `node --import tsx test/e2e/debianRootfs.ts` builds the cache ahead of a test run.
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(ensureDebianRootfs((line) => console.log(`rootfs: ${line}`)));
}

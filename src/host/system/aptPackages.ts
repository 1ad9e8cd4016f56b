// Debian packages over the command-runner port and HostFiles (see host.ts): dpkg-query and
// apt-cache to look, apt-get to install, the package services held back while they install,
// and a bounded wait when another apt or dpkg run holds a lock.
import { UserError } from "../../config/configError.js";
import type { PackageRepository } from "../../render/desiredState.js";
import type { CommandRunner, HostFiles, HostPackages } from "../host.js";
import { failureMessage } from "./mustRun.js";
import { dearmor, isArmored } from "./pgpArmor.js";

export const POLICY_RC_D = "/usr/sbin/policy-rc.d";
/** Marks the policy-rc.d stackmon writes, so a run killed before removing it can recognise it. */
export const POLICY_MARKER = "# stackmon apply: package services start only under stackmon's units";
/** What `stackmon up` wrote before it shared this code; a leftover of it is ours too. */
const EARLIER_MARKERS = [POLICY_MARKER, "# stackmon up: keep package services from starting"];

const APT_ENV = { DEBIAN_FRONTEND: "noninteractive", NEEDRESTART_MODE: "l" };

/**
 * apt's words for "another apt or dpkg holds a lock I need". DPkg::Lock::Timeout makes apt wait
 * for dpkg's own locks, not for the package lists' or the archive cache's: those are retried.
 */
const LOCK_BUSY =
  /Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock (the )?(directory|administration directory)/;

export interface AptOptions {
  /** How long to wait for another apt or dpkg run (unattended-upgrades) to let go (default 300 s). */
  readonly lockWaitMs?: number;
  /** Between tries while a lock is held (default 2 s). */
  readonly retryDelayMs?: number;
  /** Fetches a repository's signing key (default: fetch over HTTPS from where stackmon runs). */
  readonly fetchKey?: (url: string) => Promise<Buffer>;
}

async function fetchKeyOverHttps(url: string): Promise<Buffer> {
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new UserError(`cannot fetch the signing key ${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

const ROOT_FILE = { mode: 0o644, owner: "root", group: "root" } as const;

export class AptPackages implements HostPackages {
  readonly manager = "apt" as const;
  private readonly lockWaitMs: number;
  private readonly retryDelayMs: number;
  private readonly fetchKey: (url: string) => Promise<Buffer>;

  constructor(
    private readonly run: CommandRunner,
    private readonly files: HostFiles,
    options: AptOptions = {},
  ) {
    this.lockWaitMs = options.lockWaitMs ?? 300_000;
    this.retryDelayMs = options.retryDelayMs ?? 2000;
    this.fetchKey = options.fetchKey ?? fetchKeyOverHttps;
  }

  async installedVersion(name: string): Promise<string | undefined> {
    const result = await this.run("dpkg-query", ["-W", "-f=${Status}\t${Version}", name]);
    const [status, version] = result.stdout.split("\t");
    return result.status === 0 && status === "install ok installed" && version ? version : undefined;
  }

  async candidateVersion(name: string): Promise<string | undefined> {
    const result = await this.run("apt-cache", ["policy", name]);
    const candidate = /^\s*Candidate:\s*(\S+)/m.exec(result.stdout)?.[1];
    return candidate && candidate !== "(none)" ? candidate : undefined;
  }

  async refresh(): Promise<void> {
    await this.aptGet(["update", "-q"]);
  }

  async install(names: readonly string[]): Promise<void> {
    await this.withServiceStartsHeldBack(() =>
      this.aptGet([
        "install",
        "-y",
        "-q",
        "--no-install-recommends",
        // Our configs replace the packaged ones; an upgrade keeps ours without asking.
        "-o",
        "Dpkg::Options::=--force-confdef",
        "-o",
        "Dpkg::Options::=--force-confold",
        ...names,
      ]),
    );
  }

  async hasRepository(repository: PackageRepository): Promise<boolean> {
    const apt = repository.apt;
    if (!apt) return true;
    const list = (await this.files.read(apt.listPath))?.toString("utf8") ?? "";
    return (await this.files.stat(apt.keyPath)) !== undefined && list.includes(apt.sourceLine);
  }

  async addRepository(repository: PackageRepository): Promise<void> {
    const apt = repository.apt;
    if (!apt) return;
    const key = await this.fetchKey(apt.keyUrl);
    const keyring =
      isArmored(key) && !apt.keyPath.endsWith(".asc") ? dearmor(key.toString("latin1"), apt.keyUrl) : key;
    await this.files.write(apt.keyPath, keyring, ROOT_FILE);
    await this.files.write(apt.listPath, `${apt.sourceLine}\n`, ROOT_FILE);
    await this.refresh();
  }

  /** apt-get, waiting up to `lockWaitMs` in all for locks another apt or dpkg run holds. */
  private async aptGet(args: readonly string[]): Promise<void> {
    const deadline = Date.now() + this.lockWaitMs;
    for (;;) {
      const remainingSeconds = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      const withTimeout = ["-o", `DPkg::Lock::Timeout=${remainingSeconds}`, ...args];
      const result = await this.run("apt-get", withTimeout, { env: APT_ENV });
      if (result.status === 0) return;
      const busy = LOCK_BUSY.test(result.stderr);
      if (!busy || Date.now() >= deadline) {
        const message = failureMessage("apt-get", withTimeout, result);
        throw new UserError(
          busy ? `${message}\nanother apt or dpkg run held its lock for ${this.lockWaitMs / 1000}s` : message,
          busy ? { hint: "wait for it (unattended-upgrades?) to finish and run again" } : {},
        );
      }
      await new Promise((r) =>
        setTimeout(r, Math.min(this.retryDelayMs, Math.max(0, deadline - Date.now()))),
      );
    }
  }

  /**
   * While packages install, their maintainer scripts must not start the services with the
   * packaged defaults (Debian's listen on every interface): stackmon's units start them. An
   * existing foreign policy-rc.d is left as it is; one a killed stackmon run left is ours.
   */
  private async withServiceStartsHeldBack<T>(work: () => Promise<T>): Promise<T> {
    const existing = (await this.files.read(POLICY_RC_D))?.toString("utf8");
    const foreign = existing !== undefined && !EARLIER_MARKERS.some((m) => existing.includes(m));
    if (!foreign)
      await this.files.write(POLICY_RC_D, `#!/bin/sh\n${POLICY_MARKER}\nexit 101\n`, {
        ...ROOT_FILE,
        mode: 0o755,
      });
    try {
      return await work();
    } finally {
      if (!foreign) await this.files.remove(POLICY_RC_D);
    }
  }
}

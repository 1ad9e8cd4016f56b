// Several booted Debian 12 hosts on a private network the test makes itself, reached over SSH the
// way a fleet is: a LAN namespace with a bridge, where the controller runs (stackmon apply, test
// servers), and one namespace + veth + container per host, each with sshd, its own host key and
// the test's key for root and for a sudo user. Nothing is reachable outside the lab, and the lab
// reaches nothing outside: apt installs from a Debian repository the lab serves on its LAN.
//
// Everything is named after the lab (namespaces stackmon-NAME and stackmon-NAME-HOST) and
// recorded with the owning process, so a later run removes what a killed one left behind.
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CommandResult } from "../../../src/host/host.js";
import { runCommand, type RunOptions } from "../../../src/host/runCommand.js";
import {
  Container,
  isAlive,
  recordFiles,
  stopAbandonedContainers,
  writeRecord,
  type ExecOptions,
  type ExecResult,
} from "../container.js";
import { E2E_CACHE_DIR } from "../debianRootfs.js";
import { ensureFleetRootfs, HOST_SSH_DIR, LAB_APT_SOURCE, SUDO_USER } from "./fleetRootfs.js";

/** Where labs are recorded, and the prefix every namespace of theirs carries. */
export interface LabRegistry {
  readonly dir: string;
  readonly namespacePrefix: string;
}
const LABS: LabRegistry = { dir: join(E2E_CACHE_DIR, "labs"), namespacePrefix: "stackmon-" };
const REPOSITORY_PORT = 80;
const SERVE_DIRECTORY = join(dirname(fileURLToPath(import.meta.url)), "serveDirectory.ts");
const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");

export interface LabOptions {
  /** Host names (letters, digits, dashes); each becomes a booted container with that hostname. */
  readonly hosts: readonly string[];
  /** Names the lab's namespaces: stackmon-NAME for the LAN, stackmon-NAME-HOST per host. */
  readonly name?: string;
  /** The LAN's /24 as its first three octets; the controller is .1, hosts .11 onwards. */
  readonly subnet?: string;
  readonly log?: (line: string) => void;
}

export interface LabHost {
  readonly name: string;
  readonly address: string;
  readonly container: Container;
  /** Its network namespace (/run/netns/…). */
  readonly namespace: string;
}

/** What a lab owns, on disk while it lives, so a later run can remove it when its owner died. */
interface LabRecord {
  readonly owner: number;
  readonly namespaces: readonly string[];
  readonly dir: string;
}

function ip(args: readonly string[]): void {
  const result = spawnSync("ip", args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`ip ${args.join(" ")} failed: ${result.stderr.trim()}`);
}

function keygen(path: string, comment: string): string {
  rmSync(path, { force: true });
  rmSync(`${path}.pub`, { force: true });
  const result = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path], {
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`ssh-keygen failed: ${result.stderr}`);
  return readFileSync(`${path}.pub`, "utf8").trim();
}

/** Kills every process in the namespace, then removes it (and the files `ip netns exec` binds). */
function removeNamespace(name: string): void {
  if (!existsSync(`/run/netns/${name}`)) return;
  const pids = spawnSync("ip", ["netns", "pids", name], { encoding: "utf8" }).stdout;
  for (const pid of pids.split("\n").filter(Boolean)) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // Gone already.
    }
  }
  spawnSync("ip", ["netns", "del", name]);
  rmSync(`/etc/netns/${name}`, { recursive: true, force: true });
}

function readRecords(dir: string): Map<string, LabRecord> {
  const records = new Map<string, LabRecord>();
  for (const entry of recordFiles(dir)) {
    try {
      records.set(entry, JSON.parse(readFileSync(join(dir, entry), "utf8")) as LabRecord);
    } catch {
      rmSync(join(dir, entry), { force: true });
    }
  }
  return records;
}

function removeLab(record: LabRecord): void {
  // Containers first (killing a namespace's processes kills their init), then the LAN.
  for (const name of [...record.namespaces].reverse()) removeNamespace(name);
  if (basename(record.dir).startsWith("stackmon-lab-") && dirname(record.dir) === tmpdir())
    rmSync(record.dir, { recursive: true, force: true });
}

/**
 * Removes labs whose owning process is gone: their processes, namespaces and files. Also removes
 * lab-named namespaces no live lab claims (a run killed between creating one and recording it).
 * A lab records itself before it creates anything, so a lab starting meanwhile is claimed.
 */
export function removeLeftoverLabs(registry: LabRegistry = LABS): void {
  stopAbandonedContainers();
  const claimed = new Set<string>();
  for (const [file, record] of readRecords(registry.dir)) {
    if (isAlive(record.owner)) {
      for (const name of record.namespaces) claimed.add(name);
      continue;
    }
    removeLab(record);
    rmSync(join(registry.dir, file), { force: true });
  }
  const listed = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout;
  for (const line of listed.split("\n")) {
    const name = line.split(" ")[0] ?? "";
    if (name.startsWith(registry.namespacePrefix) && !claimed.has(name)) removeNamespace(name);
  }
}

function validateOptions(options: LabOptions): { name: string; subnet: string } {
  const name = options.name ?? "lab";
  const subnet = options.subnet ?? "10.77.0";
  if (!/^[a-z][a-z0-9]{0,7}$/.test(name)) throw new Error(`lab name ${name}: 1-8 lowercase letters/digits`);
  if (!/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(subnet)) throw new Error(`subnet ${subnet}: like 10.77.0`);
  if (options.hosts.length === 0 || options.hosts.length > 200) throw new Error("1 to 200 hosts");
  for (const host of options.hosts)
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(host)) throw new Error(`host name ${host}: letters, digits, dashes`);
  if (new Set(options.hosts).size !== options.hosts.length) throw new Error("host names must differ");
  return { name, subnet };
}

export class FleetLab {
  private readonly children = new Set<ChildProcess>();
  private readonly byName = new Map<string, LabHost>();
  private closed = false;

  private constructor(
    /** A private (0700) directory: keys, known_hosts, the SSH client config, console logs. */
    readonly dir: string,
    /** The LAN namespace, where the controller runs. */
    readonly lanNamespace: string,
    readonly controllerAddress: string,
    private readonly record: { file: string; data: LabRecord },
    private readonly onExit: () => void,
  ) {}

  /** The Debian repository every host's apt uses (served from the controller's address). */
  get repositoryUrl(): string {
    // Port 80, so the URL reads the same in apt's own output.
    return `http://${this.controllerAddress}/`;
  }

  /** An OpenSSH client config (`ssh -F`): the test's key, its known_hosts, strict checking. */
  get sshConfig(): string {
    return join(this.dir, "ssh_config");
  }

  /** Every host's key under its name and address; the only known_hosts the lab's config uses. */
  get knownHosts(): string {
    return join(this.dir, "known_hosts");
  }

  /** The test's private key, authorized for root, the sudo user and the user without sudo. */
  get identity(): string {
    return join(this.dir, "id_ed25519");
  }

  get hosts(): LabHost[] {
    return [...this.byName.values()];
  }

  host(name: string): LabHost {
    const host = this.byName.get(name);
    if (!host) throw new Error(`no host ${name} in this lab (${[...this.byName.keys()].join(", ")})`);
    return host;
  }

  /**
   * Creates the network, starts the repository server and boots every host (in parallel), each
   * with sshd answering. Builds the cached fleet rootfs first when missing.
   */
  static async start(options: LabOptions): Promise<FleetLab> {
    const { name, subnet } = validateOptions(options);
    const log = options.log ?? (() => {});
    removeLeftoverLabs();
    const recordFile = join(LABS.dir, `${name}.json`);
    const existing = readRecords(LABS.dir).get(`${name}.json`);
    if (existing && isAlive(existing.owner))
      throw new Error(`lab ${name} is in use by process ${existing.owner}`);
    const fleet = ensureFleetRootfs(log);
    const dir = mkdtempSync(join(tmpdir(), "stackmon-lab-"));
    const lan = `${LABS.namespacePrefix}${name}`;
    const hostNamespaces = options.hosts.map((host) => `${lan}-${host}`);
    const data: LabRecord = { owner: process.pid, namespaces: [lan, ...hostNamespaces], dir };
    // Recorded before anything exists, so a run killed half-way is cleaned up by the next.
    mkdirSync(LABS.dir, { recursive: true });
    writeRecord(recordFile, data);
    const onExit = () => {
      removeLab(data);
      rmSync(recordFile, { force: true });
    };
    process.once("exit", onExit);
    const lab = new FleetLab(dir, lan, `${subnet}.1`, { file: recordFile, data }, onExit);
    try {
      const addresses = options.hosts.map((_, index) => `${subnet}.${11 + index}`);
      lab.writeClientFiles(options.hosts, addresses);
      lab.createNetwork(options.hosts, addresses, hostNamespaces);
      await lab.serveRepository(fleet.repository);
      const started = Date.now();
      const booted = await Promise.allSettled(
        options.hosts.map((host, index) =>
          Container.boot({
            rootfs: fleet.rootfs,
            name: `${lan}-${host}`,
            hostname: host,
            networkNamespace: `/run/netns/${hostNamespaces[index]}`,
            // A server lets the node exporter read the clock's state (adjtimex); nspawn's own
            // filter does not, unless asked.
            systemCalls: ["adjtimex"],
            logDir: dir,
            readOnlyBinds: [
              `${join(dir, "hosts", host)}:${HOST_SSH_DIR}`,
              `${join(dir, "etc-hosts")}:/etc/hosts`,
              // systemd in the container sets its hostname from this file, not from nspawn's.
              `${join(dir, "hostnames", host)}:/etc/hostname`,
              `${join(dir, "apt-source.list")}:${LAB_APT_SOURCE}`,
            ],
          }),
        ),
      );
      options.hosts.forEach((host, index) => {
        const boot = booted[index];
        if (boot?.status !== "fulfilled") return;
        lab.byName.set(host, {
          name: host,
          address: addresses[index] ?? "",
          container: boot.value,
          namespace: hostNamespaces[index] ?? "",
        });
      });
      const failed = booted.find((boot) => boot.status === "rejected");
      if (failed) throw failed.reason;
      await Promise.all(lab.hosts.map((host) => lab.waitForSshd(host)));
      log(`${options.hosts.length} hosts booted with sshd in ${Date.now() - started} ms`);
      return lab;
    } catch (error) {
      await lab.close();
      throw error;
    }
  }

  private writeClientFiles(hosts: readonly string[], addresses: readonly string[]): void {
    const clientKey = keygen(this.identity, "stackmon-lab-controller");
    const knownHosts: string[] = [];
    hosts.forEach((host, index) => {
      const hostDir = join(this.dir, "hosts", host);
      mkdirSync(hostDir, { recursive: true, mode: 0o755 });
      const hostKey = keygen(join(hostDir, "ssh_host_ed25519_key"), `root@${host}`);
      writeFileSync(join(hostDir, "authorized_keys"), `${clientKey}\n`, { mode: 0o644 });
      mkdirSync(join(this.dir, "hostnames"), { recursive: true });
      writeFileSync(join(this.dir, "hostnames", host), `${host}\n`, { mode: 0o644 });
      knownHosts.push(`${host},${addresses[index]} ${hostKey.split(" ").slice(0, 2).join(" ")}`);
    });
    writeFileSync(this.knownHosts, `${knownHosts.join("\n")}\n`, { mode: 0o600 });
    writeFileSync(this.sshConfig, this.sshConfigText(this.knownHosts), { mode: 0o600 });
    const names = [
      "127.0.0.1 localhost",
      "::1 localhost ip6-localhost ip6-loopback",
      `${this.controllerAddress} controller`,
      ...hosts.map((host, index) => `${addresses[index]} ${host}`),
    ];
    writeFileSync(join(this.dir, "etc-hosts"), `${names.join("\n")}\n`, { mode: 0o644 });
    writeFileSync(join(this.dir, "apt-source.list"), `deb [trusted=yes] ${this.repositoryUrl} ./\n`, {
      mode: 0o644,
    });
  }

  private sshConfigText(knownHosts: string): string {
    return [
      "Host *",
      `  IdentityFile ${this.identity}`,
      "  IdentitiesOnly yes",
      "  IdentityAgent none",
      `  UserKnownHostsFile ${knownHosts}`,
      "  GlobalKnownHostsFile /dev/null",
      "  StrictHostKeyChecking yes",
      "  BatchMode yes",
      // A host cut off is noticed within seconds, not after TCP's minutes.
      "  ConnectTimeout 3",
      "  ServerAliveInterval 1",
      "  ServerAliveCountMax 3",
      "",
    ].join("\n");
  }

  /** Another client config, like `sshConfig` but trusting the host keys in `knownHosts` instead. */
  sshConfigWith(options: { readonly knownHosts: string }): string {
    const path = join(this.dir, `ssh_config-${basename(options.knownHosts)}`);
    writeFileSync(path, this.sshConfigText(options.knownHosts), { mode: 0o600 });
    return path;
  }

  private createNetwork(hosts: readonly string[], addresses: readonly string[], namespaces: string[]): void {
    const lan = this.lanNamespace;
    ip(["netns", "add", lan]);
    ip(["-n", lan, "link", "set", "lo", "up"]);
    ip(["-n", lan, "link", "add", "br0", "type", "bridge"]);
    ip(["-n", lan, "addr", "add", `${this.controllerAddress}/24`, "dev", "br0"]);
    ip(["-n", lan, "link", "set", "br0", "up"]);
    hosts.forEach((_, index) => {
      const ns = namespaces[index] ?? "";
      ip(["netns", "add", ns]);
      // The bridge side lives in the LAN namespace, the other end is the host's host0.
      ip(["-n", lan, "link", "add", `b${index}`, "type", "veth", "peer", "name", "host0", "netns", ns]);
      ip(["-n", lan, "link", "set", `b${index}`, "master", "br0"]);
      ip(["-n", lan, "link", "set", `b${index}`, "up"]);
      ip(["-n", ns, "addr", "add", `${addresses[index]}/24`, "dev", "host0"]);
      ip(["-n", ns, "link", "set", "host0", "up"]);
      ip(["-n", ns, "link", "set", "lo", "up"]);
    });
    // `ip netns exec` binds these over /etc: the controller knows the hosts by name.
    mkdirSync(`/etc/netns/${lan}`, { recursive: true });
    writeFileSync(`/etc/netns/${lan}/hosts`, readFileSync(join(this.dir, "etc-hosts")));
  }

  private async serveRepository(repository: string): Promise<void> {
    const server = this.lanSpawn(
      process.execPath,
      ["--import", "tsx", SERVE_DIRECTORY, repository, this.controllerAddress, String(REPOSITORY_PORT)],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    await new Promise<void>((resolve, reject) => {
      let output = "";
      const timer = setTimeout(() => reject(new Error(`repository server did not start: ${output}`)), 30_000);
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("listening")) {
          clearTimeout(timer);
          resolve();
        }
      };
      server.stdout?.on("data", collect);
      server.stderr?.on("data", collect);
      server.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`repository server exited ${code}: ${output}`));
      });
    });
  }

  private async waitForSshd(host: LabHost): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const state = await host.container.exec("systemctl", ["is-active", "ssh.service"]);
      if (state.stdout.trim() === "active") return;
      if (Date.now() > deadline || state.stdout.trim() === "failed") {
        const journal = await host.container.exec("journalctl", ["-u", "ssh", "-n", "20", "--no-pager"]);
        throw new Error(`sshd on ${host.name} is ${state.stdout.trim()}:\n${journal.stdout}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Runs a command on the controller side, inside the LAN namespace, to completion. */
  lanExec(command: string, args: readonly string[] = [], options: RunOptions = {}): Promise<CommandResult> {
    return runCommand("ip", ["netns", "exec", this.lanNamespace, command, ...args], {
      timeoutMs: 120_000,
      ...options,
    });
  }

  /**
   * Starts a long-running process inside the LAN namespace (a test server, `stackmon apply`),
   * from the project's directory. Stopped by `close` if still running.
   */
  lanSpawn(
    command: string,
    args: readonly string[] = [],
    options: { readonly env?: Record<string, string>; readonly stdio?: StdioOptions } = {},
  ): ChildProcess {
    const child = spawn("ip", ["netns", "exec", this.lanNamespace, command, ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...options.env },
      stdio: options.stdio ?? ["ignore", "pipe", "pipe"],
    });
    this.children.add(child);
    child.once("exit", () => this.children.delete(child));
    return child;
  }

  /** The lab's ssh client, from the LAN namespace, as root or another user of the host. */
  ssh(
    hostName: string,
    remoteCommand: string,
    options: { readonly user?: string; readonly input?: string; readonly timeoutMs?: number } = {},
  ): Promise<CommandResult> {
    const host = this.host(hostName);
    return this.lanExec(
      "ssh",
      ["-F", this.sshConfig, "--", `${options.user ?? "root"}@${host.address}`, remoteCommand],
      {
        ...(options.input !== undefined ? { input: options.input } : {}),
        timeoutMs: options.timeoutMs ?? 60_000,
      },
    );
  }

  /** Runs a command inside a host's container (not over the network). */
  exec(
    hostName: string,
    command: string,
    args: readonly string[] = [],
    options: ExecOptions = {},
  ): Promise<ExecResult> {
    return this.host(hostName).container.exec(command, args, options);
  }

  private bridgePort(hostName: string): string {
    return `b${[...this.byName.keys()].indexOf(this.host(hostName).name)}`;
  }

  /** Cuts the host off the LAN (its link on the bridge goes down); it keeps running. */
  disconnect(hostName: string): void {
    ip(["-n", this.lanNamespace, "link", "set", this.bridgePort(hostName), "down"]);
  }

  reconnect(hostName: string): void {
    ip(["-n", this.lanNamespace, "link", "set", this.bridgePort(hostName), "up"]);
  }

  /** The host gets a new host key (a reinstall, or someone in the middle); known_hosts keeps the old. */
  async replaceHostKey(hostName: string): Promise<void> {
    const host = this.host(hostName);
    keygen(join(this.dir, "hosts", host.name, "ssh_host_ed25519_key"), `root@${host.name}`);
    await host.container.run("systemctl", ["restart", "ssh.service"]);
  }

  /** The user with passwordless sudo on every host. */
  get sudoUser(): string {
    return SUDO_USER;
  }

  /** Stops every host and process of the lab and removes its network and files. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.hosts.map((host) => host.container.stop()));
    await Promise.all(
      [...this.children].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
            setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
          }),
      ),
    );
    removeLab(this.record.data);
    rmSync(this.record.file, { force: true });
    process.removeListener("exit", this.onExit);
  }
}

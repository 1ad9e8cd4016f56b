// stackmon's own exporters (PM2, Duplicati) on another host: the controller gives the host its
// own installation -- the built code and the production dependencies, never dev tools -- and a
// Node.js when the host has none new enough, the way install.sh would. Nothing else of the
// controller goes there. Releases are kept by content hash, so a second apply sends nothing.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { UserError } from "../config/configError.js";
import { packageRootOf } from "../lib/packageRoot.js";
import type { Host } from "../host/host.js";
import type { ResolvedBinary } from "../host/binaries.js";
import type { BinarySpec } from "../render/desiredState.js";

export const RUNTIME_PREFIX = "/opt/stackmon";
const NODE_MAJOR_MIN = 20;

/** This installation of stackmon, as it can be copied to another host. */
export interface LocalInstallation {
  readonly packageRoot: string;
  /** Relative paths of every file a host needs, sorted. */
  readonly files: readonly string[];
}

interface PackageJson {
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
}

/** Node's resolution from a package directory: its own node_modules, then each parent's. */
function resolvePackage(name: string, from: string, root: string): string | undefined {
  for (let dir = from; dir.startsWith(root); dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dir === root) break;
  }
  return undefined;
}

/** Every package directory the production dependencies need, found by walking package.json files. */
export function productionPackages(root: string): string[] {
  const found = new Set<string>();
  const visit = (dir: string) => {
    const manifest = readPackageJson(dir);
    const names = [
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ];
    for (const name of names) {
      const resolved = resolvePackage(name, dir, root);
      if (resolved === undefined || found.has(resolved)) continue;
      found.add(resolved);
      visit(resolved);
    }
  };
  visit(root);
  return [...found].sort();
}

function filesUnder(dir: string, skip: (path: string) => boolean): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((entry) => join(dir, entry))
    .filter((path) => !skip(path) && statSync(path).isFile());
}

/** This stackmon, when it runs from its built code (dist/); undefined when it runs from sources. */
export function localInstallation(): LocalInstallation | undefined {
  if (import.meta.url.endsWith(".ts")) return undefined;
  const packageRoot = packageRootOf(import.meta.url);
  const packages = productionPackages(packageRoot);
  // A package's own nested node_modules hold packages of their own, taken only when needed.
  const ownFiles = (dir: string) =>
    filesUnder(dir, (path) => relative(dir, path).split("/").includes("node_modules"));
  const files = [
    join(packageRoot, "package.json"),
    ...filesUnder(join(packageRoot, "dist"), (p) => p.endsWith(".test.js")),
    ...packages.flatMap(ownFiles),
  ];
  return { packageRoot, files: [...new Set(files.map((f) => relative(packageRoot, f)))].sort() };
}

/** A gzipped tar of the files, the same bytes for the same files (names sorted, times zeroed). */
function tarball(root: string, files: readonly string[]): Buffer {
  const result = spawnSync(
    "tar",
    [
      "--create",
      "--gzip",
      "--file=-",
      `--directory=${root}`,
      "--sort=name",
      "--owner=0",
      "--group=0",
      "--numeric-owner",
      "--mtime=@0",
      "--null",
      "--files-from=-",
    ],
    { input: `${files.join("\0")}\0`, maxBuffer: 1 << 30, env: { ...process.env, GZIP: "-n" } },
  );
  if (result.status !== 0)
    throw new UserError(`cannot pack stackmon for other hosts: ${result.stderr.toString()}`);
  return result.stdout;
}

/** What a host is given: the code's tarball by hash, and this machine's Node.js for one without. */
export interface RuntimeBundle {
  readonly hash: string;
  readonly code: Buffer;
  readonly nodeVersion: string;
  readonly arch: string;
}

let cached: RuntimeBundle | undefined;

export function runtimeBundle(): RuntimeBundle {
  if (cached) return cached;
  const installation = localInstallation();
  if (!installation) {
    throw new UserError(
      "stackmon runs from its sources here, so it cannot give its exporters to other hosts",
      {
        hint: "build it (npm run build) and run dist/cli/main.js, or install it with install.sh",
      },
    );
  }
  const code = tarball(installation.packageRoot, installation.files);
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 16);
  cached = { hash, code, nodeVersion: process.version, arch: process.arch };
  return cached;
}

/** Where a host keeps the release with this hash. */
export function releaseDir(hash: string): string {
  return `${RUNTIME_PREFIX}/releases/${hash}`;
}

const UNAME_ARCH: Readonly<Record<string, string>> = { x86_64: "x64", aarch64: "arm64", armv7l: "arm" };

async function nodeMajor(host: Host, path: string): Promise<number> {
  const result = await host.commands.run(path, ["--version"], { timeoutMs: 10_000 });
  const major = /^v(\d+)\./.exec(result.stdout.trim())?.[1];
  return result.status === 0 && major ? Number(major) : 0;
}

/** The Node.js a host runs our exporters with: its own when new enough, else stackmon's copy. */
async function hostNode(host: Host): Promise<string | undefined> {
  for (const path of [`${RUNTIME_PREFIX}/node/bin/node`, "/usr/bin/node", "/usr/local/bin/node"]) {
    if ((await host.commands.executable(path)) && (await nodeMajor(host, path)) >= NODE_MAJOR_MIN)
      return path;
  }
  return undefined;
}

/** How stackmon's own programs run on a host that has (or will have) this release. */
export function remoteProgram(
  bundle: RuntimeBundle,
  node: string,
): (spec: BinarySpec) => ResolvedBinary | undefined {
  return (spec) =>
    spec.nodeEntry === undefined
      ? undefined
      : { command: node, prefixArgs: [`${releaseDir(bundle.hash)}/dist/${spec.nodeEntry}.js`] };
}

/** What installing the runtime would do on the host; empty when it is in place. */
export async function pendingRuntime(host: Host, bundle: RuntimeBundle): Promise<string[]> {
  const pending: string[] = [];
  if ((await hostNode(host)) === undefined)
    pending.push(`install Node.js ${bundle.nodeVersion} in ${RUNTIME_PREFIX}/node`);
  if (!(await host.files.stat(`${releaseDir(bundle.hash)}/.complete`))) {
    pending.push(`install stackmon ${bundle.hash} in ${releaseDir(bundle.hash)}`);
  }
  return pending;
}

async function mustRun(host: Host, program: string, args: readonly string[]): Promise<string> {
  const result = await host.commands.run(program, args, { timeoutMs: 300_000 });
  if (result.status !== 0) {
    throw new UserError(`${host.description}: ${program} ${args.join(" ")} failed: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/** Unpacks a tarball into a directory that appears complete or not at all. */
async function unpack(host: Host, archive: Buffer, target: string): Promise<void> {
  const staging = await host.files.makeStagingDirectory();
  try {
    const file = `${staging}/archive.tgz`;
    await host.files.write(file, archive, { mode: 0o600, owner: "root", group: "root" });
    const partial = `${target}.partial`;
    await mustRun(host, "rm", ["-rf", host.files.commandPath(partial)]);
    await mustRun(host, "mkdir", ["-p", host.files.commandPath(partial)]);
    // Root-owned whatever the archive records: nobody else may replace what runs as a service.
    await mustRun(host, "tar", [
      "-x",
      "-z",
      "--no-same-owner",
      "-f",
      host.files.commandPath(file),
      "-C",
      host.files.commandPath(partial),
    ]);
    await mustRun(host, "chmod", ["-R", "u=rwX,go=rX", host.files.commandPath(partial)]);
    await mustRun(host, "rm", ["-rf", host.files.commandPath(target)]);
    await mustRun(host, "mv", [host.files.commandPath(partial), host.files.commandPath(target)]);
  } finally {
    await host.files.removeTree(staging);
  }
}

/** This machine's Node.js as a one-file tarball (bin/node), for a host of the same architecture. */
function nodeTarball(): Buffer {
  const execPath = process.execPath;
  const result = spawnSync(
    "tar",
    [
      "--create",
      "--gzip",
      "--file=-",
      `--directory=${dirname(dirname(execPath))}`,
      "--owner=0",
      "--group=0",
      "--numeric-owner",
      relative(dirname(dirname(execPath)), execPath),
    ],
    { maxBuffer: 1 << 30 },
  );
  if (result.status !== 0)
    throw new UserError(`cannot pack this machine's Node.js: ${result.stderr.toString()}`);
  return result.stdout;
}

/**
 * Puts the release (and a Node.js if the host lacks one) in place; returns how the exporters run.
 */
export async function ensureRuntime(
  host: Host,
  bundle: RuntimeBundle,
  log: (message: string) => void,
): Promise<(spec: BinarySpec) => ResolvedBinary | undefined> {
  let node = await hostNode(host);
  if (node === undefined) {
    const arch = UNAME_ARCH[(await mustRun(host, "uname", ["-m"])).trim()] ?? "unknown";
    if (arch !== bundle.arch) {
      throw new UserError(
        `${host.description} has no Node.js >= ${NODE_MAJOR_MIN} and is not ${bundle.arch} like this machine`,
        {
          hint: `install Node.js ${NODE_MAJOR_MIN} or later there (e.g. from NodeSource), then apply again`,
        },
      );
    }
    log(`installing Node.js ${bundle.nodeVersion} in ${RUNTIME_PREFIX}/node`);
    await host.files.ensureDirectory(RUNTIME_PREFIX, { mode: 0o755, owner: "root", group: "root" });
    await unpack(host, nodeTarball(), `${RUNTIME_PREFIX}/node`);
    node = `${RUNTIME_PREFIX}/node/bin/node`;
    if ((await nodeMajor(host, node)) < NODE_MAJOR_MIN) {
      throw new UserError(`${host.description}: this machine's Node.js does not run there`, {
        hint: `install Node.js ${NODE_MAJOR_MIN} or later there, then apply again`,
      });
    }
  }
  const dir = releaseDir(bundle.hash);
  if (!(await host.files.stat(`${dir}/.complete`))) {
    log(`installing stackmon ${bundle.hash} in ${dir}`);
    await host.files.ensureDirectory(`${RUNTIME_PREFIX}/releases`, {
      mode: 0o755,
      owner: "root",
      group: "root",
    });
    await unpack(host, bundle.code, dir);
    await host.files.write(`${dir}/.complete`, `${bundle.hash}\n`, {
      mode: 0o644,
      owner: "root",
      group: "root",
    });
  }
  return remoteProgram(bundle, node);
}

/** Once the exporters run on this release: the older ones are removed. */
export async function pruneReleases(host: Host, bundle: RuntimeBundle): Promise<void> {
  const listing = await mustRun(host, "ls", ["-1", host.files.commandPath(`${RUNTIME_PREFIX}/releases`)]);
  for (const name of listing.split("\n").filter((n) => n !== "" && n !== bundle.hash)) {
    await host.files.removeTree(`${RUNTIME_PREFIX}/releases/${name}`);
  }
}

/** How the exporters would run, before anything is installed (for plan and the first render). */
export async function plannedProgram(
  host: Host,
  bundle: RuntimeBundle,
): Promise<(spec: BinarySpec) => ResolvedBinary | undefined> {
  return remoteProgram(bundle, (await hostNode(host)) ?? `${RUNTIME_PREFIX}/node/bin/node`);
}

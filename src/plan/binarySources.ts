// Where each program of the stack comes from on this host: already installed, a package to
// install, the upstream release tarball (package missing or older than the minimum), or a
// launcher for stackmon's own Node.js exporters. The path found here is what units run.
import type { BinarySpec, DesiredState, ReleaseSpec } from "../render/desiredState.js";
import type { Host, PackageManager } from "../host/host.js";
import { satisfiesMinimum, versionFromOutput } from "./version.js";

export type BinarySource =
  /** Present and new enough; nothing to do. */
  | { readonly kind: "installed"; readonly path: string; readonly version?: string }
  /** A package to install or upgrade. `candidate` is unknown until the package lists are fetched. */
  | {
      readonly kind: "package";
      readonly path: string;
      readonly manager: PackageManager;
      readonly package: string;
      readonly installed?: string;
      readonly candidate?: string;
    }
  /** The upstream release tarball, verified against its sha256sums. */
  | {
      readonly kind: "release";
      readonly path: string;
      readonly release: ReleaseSpec;
      readonly reason: string;
    }
  /** stackmon's own program, started through a launcher script at `path`. */
  | { readonly kind: "launcher"; readonly path: string }
  /** Not here and no way to get it on this host (a directory laid out for review). */
  | { readonly kind: "unavailable"; readonly path: string; readonly reason: string };

/** Every program the state needs, by name: services' binaries, packages, validators. */
export function binariesOf(state: DesiredState): BinarySpec[] {
  const byName = new Map<string, BinarySpec>();
  for (const p of state.packages) byName.set(p.binary.name, p.binary);
  for (const s of state.services) byName.set(s.binary.name, s.binary);
  for (const f of state.files) if (f.validate) byName.set(f.validate.binary.name, f.validate.binary);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function defaultPath(spec: BinarySpec): string {
  const path = spec.paths[0];
  if (path === undefined) throw new Error(`binary ${spec.name} has no path`);
  return path;
}

async function firstExecutable(host: Host, paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) if (await host.commands.executable(path)) return path;
  return undefined;
}

async function versionAt(host: Host, path: string): Promise<string | undefined> {
  const result = await host.commands.run(path, ["--version"], { timeoutMs: 10_000 });
  return result.status === 0 ? versionFromOutput(`${result.stdout}\n${result.stderr}`) : undefined;
}

export interface SourceOptions {
  /**
   * Before the package lists are fetched, a package without a known candidate may still turn
   * out to be available: plan says "package", apply fetches the lists and decides for real.
   */
  readonly listsFetched: boolean;
}

export async function binarySource(
  spec: BinarySpec,
  host: Host,
  options: SourceOptions,
): Promise<BinarySource> {
  if (spec.nodeEntry !== undefined) return { kind: "launcher", path: defaultPath(spec) };
  const manager = host.packages?.manager;
  const packageName = manager ? spec.packages[manager === "apt" ? "apt" : "dnf"] : undefined;
  const minimum = spec.minVersion;

  let installed: string | undefined;
  if (host.packages && packageName) {
    installed = await host.packages.installedVersion(packageName);
    if (installed !== undefined && satisfiesMinimum(installed, minimum)) {
      return {
        kind: "installed",
        path: (await firstExecutable(host, spec.paths)) ?? defaultPath(spec),
        version: installed,
      };
    }
  }
  const release = spec.release;
  if (release && (await host.commands.executable(release.installPath))) {
    const version = await versionAt(host, release.installPath);
    if (version !== undefined && satisfiesMinimum(version, minimum)) {
      return { kind: "installed", path: release.installPath, version };
    }
  }
  if (host.packages && manager && packageName) {
    const candidate = await host.packages.candidateVersion(packageName);
    const usable = candidate !== undefined ? satisfiesMinimum(candidate, minimum) : !options.listsFetched;
    if (usable) {
      return {
        kind: "package",
        path: defaultPath(spec),
        manager,
        package: packageName,
        ...(installed !== undefined ? { installed } : {}),
        ...(candidate !== undefined ? { candidate } : {}),
      };
    }
    if (release) {
      const reason =
        candidate === undefined
          ? `${manager} offers no ${packageName}`
          : `${manager} offers ${packageName} ${candidate}, older than ${minimum ?? "required"}`;
      return { kind: "release", path: release.installPath, release, reason };
    }
    return {
      kind: "unavailable",
      path: defaultPath(spec),
      reason: `${manager} offers no usable ${packageName} and there is no release tarball`,
    };
  }
  if (!host.packages) {
    const found = await firstExecutable(host, spec.paths);
    if (found) return { kind: "installed", path: found };
    // A machine without apt or dnf still takes release tarballs; a review directory does not.
    if (release && host.services)
      return { kind: "release", path: release.installPath, release, reason: "no package manager here" };
    return { kind: "unavailable", path: defaultPath(spec), reason: `${spec.name} is not installed here` };
  }
  if (release)
    return { kind: "release", path: release.installPath, release, reason: `no ${manager} package` };
  return { kind: "unavailable", path: defaultPath(spec), reason: `no ${manager} package for ${spec.name}` };
}

export async function binarySources(
  specs: readonly BinarySpec[],
  host: Host,
  options: SourceOptions,
): Promise<Map<string, BinarySource>> {
  const sources = new Map<string, BinarySource>();
  for (const spec of specs) sources.set(spec.name, await binarySource(spec, host, options));
  return sources;
}

/** Binary name → path, as render's host facts. */
export function executablesOf(sources: ReadonlyMap<string, BinarySource>): Record<string, string> {
  return Object.fromEntries([...sources].map(([name, source]) => [name, source.path]));
}

/** The URL of a release asset: GitHub's layout under `baseUrl` (a mirror in tests). */
export function releaseUrl(release: ReleaseSpec, file: string, baseUrl: string): string {
  return `${baseUrl.replace(/\/$/, "")}/${release.repo}/releases/download/v${release.version}/${file}`;
}

/** Go's architecture name for this machine, as release assets use it. */
export function releaseArch(nodeArch: string = process.arch): string {
  const names: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "armv7", ia32: "386" };
  return names[nodeArch] ?? nodeArch;
}

export function fillRelease(template: string, release: ReleaseSpec, arch = releaseArch()): string {
  return template.replaceAll("{version}", release.version).replaceAll("{arch}", arch);
}

// Installing a binary from its upstream release tarball, the fallback when the distribution's
// package is missing or too old. Nothing is installed unless the tarball's sha256 matches the one
// the operator gave, else the one pinned in the source, else the project's own sums file read
// from the project's release page itself: never a sums file from the mirror the tarball came
// from, which proves nothing. Downloads are https (plain http only from this machine's loopback).
import { createHash } from "node:crypto";
import { isLoopback } from "../config/schemaParts.js";
import { UserError } from "../config/configError.js";
import type { Host } from "../host/host.js";
import type { ReleaseSpec } from "../render/desiredState.js";
import { fillRelease, releaseArch, releaseUrl } from "../plan/binarySources.js";
import { PINNED_RELEASE_SHA256 } from "./releaseChecksums.js";
import { readTarGz } from "./tarArchive.js";

export const GITHUB_RELEASES = "https://github.com";

export interface ReleaseBinary {
  readonly release: ReleaseSpec;
  /** Where it goes on the host. */
  readonly path: string;
}

async function download(url: string): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(300_000), redirect: "follow" });
  } catch (error) {
    throw new UserError(`cannot download ${url}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new UserError(`cannot download ${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** The mirror as given, when it is https (or http on this machine's loopback). */
export function checkedMirror(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new UserError(`--release-mirror: "${baseUrl}" is not a URL`);
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  if (url.protocol === "https:" || (url.protocol === "http:" && isLoopback(hostname))) return baseUrl;
  throw new UserError(
    `--release-mirror: ${baseUrl} is not https; release tarballs become programs run as services`,
    { hint: "give an https mirror (plain http is taken only from 127.0.0.1)" },
  );
}

/** The expected sha256 of `asset` in a sha256sums.txt ("<hex>  <name>" lines). */
export function expectedSha256(sums: string, asset: string): string | undefined {
  for (const line of sums.split("\n")) {
    const match = /^([0-9a-f]{64})\s+\*?(\S+)\s*$/i.exec(line.trim());
    if (match?.[2] === asset) return match[1]?.toLowerCase();
  }
  return undefined;
}

/** The sha256 a release asset must have, and where that value came from. */
async function expectedDigest(
  release: ReleaseSpec,
  asset: string,
  arch: string,
  options: { readonly officialBaseUrl?: string; readonly sha256?: Readonly<Record<string, string>> },
): Promise<{ sha256: string; from: string }> {
  const given = options.sha256?.[asset];
  if (given) return { sha256: given, from: "--release-sha256" };
  const pinned = PINNED_RELEASE_SHA256[`${release.repo}/${asset}`];
  if (pinned) return { sha256: pinned, from: "stackmon's pinned checksums" };
  const sumsFile = fillRelease(release.checksums ?? "sha256sums.txt", release, arch);
  const sumsUrl = releaseUrl(release, sumsFile, options.officialBaseUrl ?? GITHUB_RELEASES);
  let sums: string;
  try {
    sums = (await download(sumsUrl)).toString("utf8");
  } catch (error) {
    throw new UserError(
      `${asset}: cannot read its sha256 from the project (${(error as Error).message}); nothing installed`,
      {
        hint: `give apply --release-sha256 ${asset}=<sha256> from ${release.repo}'s release page`,
      },
    );
  }
  const listed = expectedSha256(sums, asset);
  if (!listed) throw new UserError(`${asset} is not listed in ${sumsUrl}; nothing installed`);
  return { sha256: listed, from: sumsUrl };
}

/**
 * Installs each binary from its release: one download per tarball, verified, then the member
 * written atomically (0755 root:root) to its path.
 */
export async function installReleases(
  host: Host,
  binaries: readonly ReleaseBinary[],
  options: {
    /** Where tarballs are downloaded from: the project's release page or a mirror of it. */
    readonly baseUrl: string;
    /** Where the projects' own sums files are read, whatever the mirror (default GitHub). */
    readonly officialBaseUrl?: string;
    readonly arch?: string;
    /** sha256 by asset name, given by the operator (apply --release-sha256). */
    readonly sha256?: Readonly<Record<string, string>>;
    readonly log: (line: string, fields?: Record<string, string>) => void;
  },
): Promise<void> {
  const arch = options.arch ?? releaseArch();
  const baseUrl = checkedMirror(options.baseUrl);
  const byAsset = new Map<string, ReleaseBinary[]>();
  for (const binary of binaries) {
    const url = releaseUrl(binary.release, fillRelease(binary.release.asset, binary.release, arch), baseUrl);
    byAsset.set(url, [...(byAsset.get(url) ?? []), binary]);
  }
  for (const [url, members] of byAsset) {
    const first = members[0];
    if (!first) continue;
    const asset = fillRelease(first.release.asset, first.release, arch);
    const { sha256: expected, from } = await expectedDigest(first.release, asset, arch, options);
    options.log("downloading release", { url });
    const tarball = await download(url);
    const actual = createHash("sha256").update(tarball).digest("hex");
    if (actual !== expected) {
      throw new UserError(
        `${asset} does not match its sha256 from ${from} (expected ${expected}, got ${actual}); nothing installed`,
      );
    }
    const files = readTarGz(tarball);
    for (const binary of members) {
      const member = fillRelease(binary.release.member, binary.release, arch);
      const content = files.get(member);
      if (!content) throw new UserError(`${asset} has no ${member}; nothing installed`);
      await host.files.write(binary.path, content, { mode: 0o755, owner: "root", group: "root" });
      options.log("installed from release", {
        path: binary.path,
        version: binary.release.version,
        sha256: "ok",
      });
    }
  }
}

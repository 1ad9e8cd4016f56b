// Installing a binary from its upstream release tarball, the fallback when the distribution's
// package is missing or too old. Nothing is installed unless the tarball's sha256 matches the
// release's own sha256sums.txt.
import { createHash } from "node:crypto";
import { UserError } from "../config/configError.js";
import type { Host } from "../host/host.js";
import type { ReleaseSpec } from "../render/desiredState.js";
import { fillRelease, releaseArch, releaseUrl } from "../plan/binarySources.js";
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

/** The expected sha256 of `asset` in a sha256sums.txt ("<hex>  <name>" lines). */
export function expectedSha256(sums: string, asset: string): string | undefined {
  for (const line of sums.split("\n")) {
    const match = /^([0-9a-f]{64})\s+\*?(\S+)\s*$/i.exec(line.trim());
    if (match?.[2] === asset) return match[1]?.toLowerCase();
  }
  return undefined;
}

/**
 * Installs each binary from its release: one download per tarball, verified, then the member
 * written atomically (0755 root:root) to its path.
 */
export async function installReleases(
  host: Host,
  binaries: readonly ReleaseBinary[],
  options: {
    readonly baseUrl: string;
    readonly arch?: string;
    readonly log: (line: string, fields?: Record<string, string>) => void;
  },
): Promise<void> {
  const arch = options.arch ?? releaseArch();
  const byAsset = new Map<string, ReleaseBinary[]>();
  for (const binary of binaries) {
    const url = releaseUrl(
      binary.release,
      fillRelease(binary.release.asset, binary.release, arch),
      options.baseUrl,
    );
    byAsset.set(url, [...(byAsset.get(url) ?? []), binary]);
  }
  for (const [url, members] of byAsset) {
    const first = members[0];
    if (!first) continue;
    const asset = fillRelease(first.release.asset, first.release, arch);
    options.log("downloading release", { url });
    const sumsFile = fillRelease(first.release.checksums ?? "sha256sums.txt", first.release, arch);
    const sums = (await download(releaseUrl(first.release, sumsFile, options.baseUrl))).toString("utf8");
    const expected = expectedSha256(sums, asset);
    if (!expected)
      throw new UserError(`${asset} is not listed in the release's ${sumsFile}; nothing installed`);
    const tarball = await download(url);
    const actual = createHash("sha256").update(tarball).digest("hex");
    if (actual !== expected) {
      throw new UserError(
        `${asset} does not match its ${sumsFile} (expected ${expected}, got ${actual}); nothing installed`,
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

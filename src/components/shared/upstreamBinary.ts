// A binary packaged by the distribution, with the Prometheus project's release tarball as the
// fallback. Every prometheus/* project publishes the same tarball layout.
import type { BinarySpec } from "../../render/desiredState.js";

export interface UpstreamBinaryOptions {
  /** Debian's name for the binary and package, e.g. "prometheus-node-exporter". */
  readonly debianName: string;
  /** The upstream project and binary, e.g. "node_exporter". */
  readonly upstreamName: string;
  readonly dnfPackage: string;
  readonly minVersion: string;
  /** The release installed when the package is missing or older than minVersion. */
  readonly releaseVersion: string;
  /** The GitHub repository when it differs from prometheus/<upstreamName>. */
  readonly repo?: string;
  /** The binary inside the tarball when it differs from upstreamName (e.g. promtool). */
  readonly member?: string;
}

export function upstreamBinary(options: UpstreamBinaryOptions): BinarySpec {
  const { upstreamName } = options;
  const member = options.member ?? upstreamName;
  return {
    name: options.member ?? options.debianName,
    paths: [`/usr/bin/${options.member ?? options.debianName}`, `/usr/local/bin/${member}`],
    packages: { apt: options.debianName, dnf: options.dnfPackage },
    minVersion: options.minVersion,
    release: {
      repo: options.repo ?? `prometheus/${upstreamName}`,
      version: options.releaseVersion,
      asset: `${upstreamName}-{version}.linux-{arch}.tar.gz`,
      member: `${upstreamName}-{version}.linux-{arch}/${member}`,
      installPath: `/usr/local/bin/${member}`,
    },
  };
}

// Comparing upstream version numbers, whatever the package manager wraps around them:
// Debian's "1:2.42.0+ds-5+b5" and RPM's "1.5.0" both compare as 2.42.0 and 1.5.0.

/** The upstream part of a package version: no epoch, no Debian/RPM revision or repack suffix. */
export function upstreamVersion(packageVersion: string): string {
  const withoutEpoch = packageVersion.replace(/^\d+:/, "");
  return /^\d+(?:\.\d+)*/.exec(withoutEpoch)?.[0] ?? withoutEpoch;
}

/** Negative when a < b, zero when equal, positive when a > b; by numeric dotted components. */
export function compareVersions(a: string, b: string): number {
  const left = upstreamVersion(a).split(".").map(Number);
  const right = upstreamVersion(b).split(".").map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

export function satisfiesMinimum(version: string, minimum: string | undefined): boolean {
  return minimum === undefined || compareVersions(version, minimum) >= 0;
}

/**
 * The version a binary prints for --version: Prometheus-style ("node_exporter, version 1.8.2 ...")
 * or VictoriaMetrics' build tag ("victoria-metrics-20230812-121414-tags-v1.79.14-0-gd6a3ae1").
 */
export function versionFromOutput(output: string): string | undefined {
  return (
    /\bversion\s+v?(\d+\.\d+(?:\.\d+)?)/i.exec(output)?.[1] ??
    /-tags-v(\d+\.\d+\.\d+)(?:-|$)/m.exec(output)?.[1]
  );
}

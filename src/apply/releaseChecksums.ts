// The sha256 of upstream release tarballs, pinned in the source and keyed "<repo>/<asset>": a
// mirror, or the project's release page itself, that serves other bytes (with a sums file to
// match them) is refused. A value goes in only from a download checked against the project's
// release; when a component's releaseVersion changes, its entries change with it. A release
// without an entry is checked against the project's own sums file, read from the project's
// release page whatever mirror the tarball comes from, unless the operator gives its value
// (apply --release-sha256 ASSET=HEX).
export const PINNED_RELEASE_SHA256: Readonly<Record<string, string>> = {};

/** `ASSET=HEX` pairs, as --release-sha256 takes them, checked; a message for people otherwise. */
export function parseReleaseSha256(pairs: readonly string[]): Record<string, string> | string {
  const pins: Record<string, string> = {};
  for (const pair of pairs) {
    const match = /^([^=\s/]+)=([0-9a-fA-F]{64})$/.exec(pair);
    if (!match?.[1] || !match[2]) return `--release-sha256 "${pair}" is not ASSET=<64 hex digits>`;
    pins[match[1]] = match[2].toLowerCase();
  }
  return pins;
}

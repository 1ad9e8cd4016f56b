// Secrets Grafana reads that render cannot write: a random admin password made on the host at
// the first apply (render has no randomness), and Grafana's own copies of the passwords its
// datasources log in with (the originals are readable by Prometheus's group only). Each is a
// provisioning step: idempotent, nothing secret in its arguments, run as root by apply and as
// the invoking user by `up`.
import type { RenderTarget } from "../component.js";
import type { ProvisioningStep } from "../../render/desiredState.js";

/** Makes `$2` from a temporary file readable by Grafana only, then moves it into place. */
function protect(target: RenderTarget): string {
  return target.platform === "systemd"
    ? 'chown root:grafana "$tmp" && chmod 0640 "$tmp"'
    : // `up` runs everything as the invoking user.
      'chmod 0600 "$tmp"';
}

/**
 * A random admin password in `file` (32 letters and digits), unless it already holds one: the
 * first one is the one Grafana's database keeps.
 */
export function generatedPasswordStep(
  file: string,
  shownPath: string,
  target: RenderTarget,
): ProvisioningStep {
  const script = [
    "set -eu",
    '[ -s "$1" ] && exit 0',
    "umask 077",
    'tmp="$1.new"',
    'LC_ALL=C tr -dc A-Za-z0-9 </dev/urandom | head -c 32 >"$tmp"',
    protect(target),
    'mv -f "$tmp" "$1"',
  ].join("\n");
  return {
    id: "grafana-admin-password",
    description: `a random Grafana admin password, kept in ${shownPath} (log in as the admin with it)`,
    inputs: [],
    check: { program: "test", args: ["-s", file] },
    run: { program: "sh", args: ["-c", script, "sh", file], input: [] },
  };
}

/** Grafana's copy of a password file another service owns, refreshed when the original changes. */
export function copiedPasswordStep(
  id: string,
  what: string,
  original: { readonly hostPath: string; readonly path: string },
  copy: string,
  target: RenderTarget,
): ProvisioningStep {
  const script = [
    "set -eu",
    "umask 077",
    'tmp="$2.new"',
    'cp "$1" "$tmp"',
    protect(target),
    'mv -f "$tmp" "$2"',
  ].join("\n");
  return {
    id,
    description: `Grafana's copy of ${what} (${copy})`,
    inputs: [original.hostPath],
    check: { program: "cmp", args: ["-s", original.path, copy] },
    run: { program: "sh", args: ["-c", script, "sh", original.path, copy], input: [] },
  };
}

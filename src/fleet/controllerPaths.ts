// Where the machine that runs stackmon keeps what must never reach a host: the CA's key and the
// passwords it generated. Paths only; reading and writing them is controllerState's.
import { homedir } from "node:os";
import { join } from "node:path";

export interface ControllerPaths {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly hostDir: (host: string) => string;
  readonly hostCert: (host: string) => string;
  readonly hostKey: (host: string) => string;
  /** The password the servers scrape the host's exporters with. */
  readonly scrapePassword: (host: string) => string;
}

export function controllerPaths(dir: string): ControllerPaths {
  const hostDir = (host: string) => join(dir, "hosts", host);
  return {
    dir,
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    hostDir,
    hostCert: (host) => join(hostDir(host), "tls.crt"),
    hostKey: (host) => join(hostDir(host), "tls.key"),
    scrapePassword: (host) => join(hostDir(host), "scrape.password"),
  };
}

/**
 * `--state DIR`, else $STACKMON_STATE, else the user's state directory. Never next to
 * stackmon.yml: that directory is usually a git repository, and these are keys and passwords.
 */
export function defaultStateDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const explicit = env["STACKMON_STATE"];
  if (explicit) return explicit;
  const base = env["XDG_STATE_HOME"] || join(homedir(), ".local", "state");
  return join(base, "stackmon");
}

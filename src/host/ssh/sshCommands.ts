// Programs run on a remote host as root: directly when the SSH user is root, else through
// `sudo -n` (never a password prompt). The remote side needs nothing but a POSIX login shell.
import { UserError } from "../../config/configError.js";
import type { RunOptions } from "../host.js";
import type { RawCommandRunner } from "../runCommand.js";
import type { SshConnection } from "./sshConnection.js";
import { sudoRefusal } from "./sshFailure.js";
import { shellCommandLine } from "./shellQuote.js";

/** Who runs the commands on the far side. */
export interface RemoteIdentity {
  /** The SSH login. */
  readonly user: string;
  /** Whether commands go through `sudo -n` (the login is not root). */
  readonly sudo: boolean;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The command line for the remote login shell: each word quoted, through `sudo -n` when not
 * root, with a C locale so tools' output parses the same whatever the login's language.
 * Environment values travel in the command line: never put a secret there (use stdin).
 */
export function remoteCommandLine(
  program: string,
  args: readonly string[],
  options: { readonly sudo: boolean; readonly env?: RunOptions["env"] },
): string {
  const assignments = Object.entries(options.env ?? {}).map(([name, value]) => {
    if (!ENV_NAME.test(name)) throw new Error(`not an environment variable name: ${JSON.stringify(name)}`);
    return `${name}=${value}`;
  });
  return shellCommandLine([
    ...(options.sudo ? ["sudo", "-n", "--"] : []),
    "env",
    "LC_ALL=C",
    ...assignments,
    program,
    ...args,
  ]);
}

/** Runs programs on the far side as root: the command-runner port over SSH, stdout exact. */
export function sshRunner(connection: SshConnection, identity: RemoteIdentity): RawCommandRunner {
  return async (program, args, options = {}) => {
    const line = remoteCommandLine(program, args, {
      sudo: identity.sudo,
      ...(options.env ? { env: options.env } : {}),
    });
    const result = await connection.exec(line, {
      ...(options.input !== undefined ? { input: options.input } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
    if (identity.sudo && result.status === 1) {
      const refusal = sudoRefusal(connection.target.name, identity.user, result.stderr);
      if (refusal) throw refusal;
    }
    return result;
  };
}

/**
 * Who the SSH login is and whether it may act as root: root itself, or a user with passwordless
 * sudo. Anything else is a UserError naming the host, before anything is changed there.
 */
export async function probeIdentity(connection: SshConnection): Promise<RemoteIdentity> {
  const name = connection.target.name;
  const who = await connection.exec("id -un && id -u");
  const [user, uid] = who.stdout.toString().trim().split("\n");
  if (who.status !== 0 || !user || !uid) {
    throw new UserError(`${name}: cannot tell who the SSH login is (id failed): ${who.stderr.trim()}`, {
      hint: "stackmon needs a POSIX login shell on the host",
    });
  }
  if (uid === "0") return { user, sudo: false };
  const sudo = await connection.exec("sudo -n -- true");
  if (sudo.status === 0) return { user, sudo: true };
  if (sudo.status === 127) {
    throw new UserError(`${name}: ${user} is not root and sudo is not installed there`, {
      hint: "log in as root, or install sudo and give the user passwordless sudo",
    });
  }
  throw (
    sudoRefusal(name, user, sudo.stderr) ??
    new UserError(`${name}: sudo -n failed for ${user} (exit ${sudo.status}): ${sudo.stderr.trim()}`)
  );
}

// Programs run on a remote host as root: directly when the SSH user is root, else through
// `sudo -n` (never a password prompt). The remote side needs nothing but a POSIX login shell.
import { UserError } from "../../config/configError.js";
import type { CommandResult, HostCommands } from "../host.js";
import type { RawCommandResult, RunOptions } from "../runCommand.js";
import type { SshConnection } from "./sshConnection.js";
import { sudoRefusal } from "./sshFailure.js";
import { shellCommandLine } from "./shellQuote.js";

/** Runs a program with arguments on some machine; stdout exactly as written. */
export interface CommandRunner {
  runRaw(program: string, args: readonly string[], options?: RunOptions): Promise<RawCommandResult>;
}

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
  const assignments = Object.entries(options.env ?? {}).flatMap(([name, value]) => {
    if (!ENV_NAME.test(name)) throw new Error(`not an environment variable name: ${JSON.stringify(name)}`);
    return value === undefined ? [] : [`${name}=${value}`];
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

export class SshCommands implements HostCommands, CommandRunner {
  constructor(
    private readonly connection: SshConnection,
    private readonly identity: RemoteIdentity,
  ) {}

  async runRaw(
    program: string,
    args: readonly string[],
    options: RunOptions = {},
  ): Promise<RawCommandResult> {
    const line = remoteCommandLine(program, args, {
      sudo: this.identity.sudo,
      ...(options.env ? { env: options.env } : {}),
    });
    const result = await this.connection.exec(line, {
      ...(options.input !== undefined ? { input: options.input } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
    if (this.identity.sudo && result.status === 1) {
      const refusal = sudoRefusal(this.connection.target.name, this.identity.user, result.stderr);
      if (refusal) throw refusal;
    }
    return result;
  }

  async run(
    program: string,
    args: readonly string[],
    options: { readonly input?: string; readonly timeoutMs?: number } = {},
  ): Promise<CommandResult> {
    const result = await this.runRaw(program, args, options);
    return { ...result, stdout: result.stdout.toString() };
  }

  async executable(path: string): Promise<boolean> {
    return (await this.runRaw("sh", ["-c", '[ -f "$1" ] && [ -x "$1" ]', "sh", path])).status === 0;
  }
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

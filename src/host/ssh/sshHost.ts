// A remote machine as a Host, reached with the system's OpenSSH client: files and commands over
// one shared connection, as root or through `sudo -n`.
import type { Host } from "../host.js";
import { SshConnection } from "./sshConnection.js";
import { probeIdentity, SshCommands } from "./sshCommands.js";
import type { SshTarget } from "./sshOptions.js";
import { ShellFiles } from "./shellFiles.js";

export type { SshTarget } from "./sshOptions.js";

export interface SshHost extends Host {
  readonly files: ShellFiles;
  readonly commands: SshCommands;
  /** The SSH login, and whether commands go through sudo. */
  readonly user: string;
  readonly sudo: boolean;
  /** Ends the shared connection. */
  close(): Promise<void>;
}

/**
 * Connects and checks that stackmon may act as root there. Throws a UserError naming the host
 * (unknown or changed host key, refused login, unreachable, no passwordless sudo) before
 * anything is changed on it.
 */
export async function connectSshHost(target: SshTarget): Promise<SshHost> {
  const connection = await SshConnection.open(target);
  try {
    const identity = await probeIdentity(connection);
    const commands = new SshCommands(connection, identity);
    return {
      description: `${target.name} (ssh ${target.destination}${identity.sudo ? ", sudo" : ""})`,
      files: new ShellFiles(commands, target.name),
      commands,
      user: identity.user,
      sudo: identity.sudo,
      close: () => connection.close(),
    };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

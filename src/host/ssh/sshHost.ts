// A remote machine as a Host, reached with the system's OpenSSH client: the same system code as
// this machine (packages, users, systemd: system/systemHost.ts) over ports that go through one
// shared SSH connection: commands as root or through `sudo -n`, files by shell commands, and
// HTTP to the host's own endpoints through a forwarded socket.
import type { Host } from "../host.js";
import { commandsOver, textRunner } from "../runCommand.js";
import { systemHost } from "../system/systemHost.js";
import { hostHttp } from "../../verify/httpProbe.js";
import { SshConnection } from "./sshConnection.js";
import { probeIdentity, sshRunner } from "./sshCommands.js";
import type { SshTarget } from "./sshOptions.js";
import { ShellFiles } from "./shellFiles.js";

export type { SshTarget } from "./sshOptions.js";

export interface SshHost extends Host {
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
    const run = sshRunner(connection, identity);
    const host = await systemHost({
      description: `${target.name} (ssh ${target.destination}${identity.sudo ? ", sudo" : ""})`,
      commands: commandsOver(textRunner(run)),
      files: new ShellFiles(run, target.name),
      http: hostHttp((address, port) => connection.forward(address, port)),
    });
    return { ...host, user: identity.user, sudo: identity.sudo, close: () => connection.close() };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

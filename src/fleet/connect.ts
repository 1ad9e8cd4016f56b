// How the controller reaches each host of the fleet: this machine, a directory standing in for
// each host (--root), or a remote host over SSH.
import { join } from "node:path";
import { UserError } from "../config/configError.js";
import { hostFor } from "../host/hostFor.js";
import { localHost } from "../host/localHost.js";
import type { HostConnector } from "./applyFleet.js";
import { connectSshHost } from "../host/ssh/sshHost.js";
import type { Fleet } from "./fleet.js";
import type { SshDestination } from "./inventory.js";

export interface ConnectOptions {
  /** Lay each host out under DIR (DIR/<host> with an inventory) instead of changing it. */
  readonly root?: string;
  /** Whether the host must run systemd (apply), or files are enough (plan). */
  readonly needsServices: boolean;
  /** This machine may be asked without root (verify of a stack `up` runs). */
  readonly asUser?: boolean;
  /** An OpenSSH client config to use instead of ~/.ssh/config (ssh -F). */
  readonly sshConfig?: string;
}

/** What ssh is given for an inventory destination: "[user@]host", or an ssh:// URI with a port. */
export function sshDestination(destination: SshDestination): string {
  const user = destination.user ? `${destination.user}@` : "";
  if (destination.port === undefined) return `${user}${destination.host}`;
  const host = destination.host.includes(":") ? `[${destination.host}]` : destination.host;
  return `ssh://${user}${host}:${destination.port}`;
}

export function connectorFor(fleet: Fleet, options: ConnectOptions): HostConnector {
  return async (fleetHost) => {
    const root =
      options.root === undefined
        ? undefined
        : fleet.inventory
          ? join(options.root, fleetHost.name)
          : options.root;
    if (root === undefined && fleetHost.connection.kind === "ssh") {
      const host = await connectSshHost({
        name: fleetHost.name,
        destination: sshDestination(fleetHost.connection.destination),
        ...(options.sshConfig !== undefined ? { configFile: options.sshConfig } : {}),
      });
      if (options.needsServices && !host.services) {
        await host.close();
        throw new UserError(`${fleetHost.name} does not run systemd, so apply cannot manage its services`);
      }
      return { host, remote: true, close: () => host.close() };
    }
    const host = root === undefined && options.asUser ? await localHost() : await hostFor(root);
    if (options.needsServices && root === undefined && !host.services) {
      throw new UserError("this machine does not run systemd, so apply cannot manage its services", {
        hint: "run the stack with `stackmon up`, or lay the files out with `apply --root DIR`",
      });
    }
    return { host, remote: false, close: () => Promise.resolve() };
  };
}

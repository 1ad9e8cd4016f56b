// How the controller reaches each host of the fleet: this machine, a directory standing in for
// each host (--root), or a remote host over SSH.
import { join } from "node:path";
import { UserError } from "../config/configError.js";
import { hostFor } from "../host/hostFor.js";
import { localHost } from "../host/localHost.js";
import type { HostConnector } from "./applyFleet.js";
import type { Fleet } from "./fleet.js";

export interface ConnectOptions {
  /** Lay each host out under DIR (DIR/<host> with an inventory) instead of changing it. */
  readonly root?: string;
  /** Whether the host must run systemd (apply), or files are enough (plan). */
  readonly needsServices: boolean;
  /** This machine may be asked without root (verify of a stack `up` runs). */
  readonly asUser?: boolean;
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
      throw new UserError(`${fleetHost.name}: reaching hosts over ssh is not available in this build`);
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

// The flags every command that works on the inventory shares: which hosts, how many at once, and
// where the fleet's CA and passwords are kept.
import { UserError } from "../config/configError.js";
import { defaultStateDir } from "../fleet/controllerPaths.js";
import type { Fleet } from "../fleet/fleet.js";
import { loadFleet } from "../loadStack.js";
import { stringFlag, type ParsedArgs } from "./args.js";

export const FLEET_FLAGS = {
  host: { type: "string", multiple: true },
  parallel: { type: "string", default: "8" },
  state: { type: "string" },
  "ssh-config": { type: "string" },
} as const;

export const FLEET_FLAGS_HELP = `      --host NAME     only this host of the inventory (repeatable; default: every host)
      --parallel N    work on at most N hosts at once (default 8)
      --state DIR     where the fleet's CA and generated passwords are kept
                      (default $STACKMON_STATE, else ~/.local/state/stackmon)
      --ssh-config FILE  an OpenSSH client config instead of ~/.ssh/config (ssh -F)`;

export function fleetOf(args: ParsedArgs): Fleet {
  return loadFleet(args.config, { stateDir: stringFlag(args, "state") ?? defaultStateDir() });
}

/** The hosts named by --host, in inventory order; every host when none is named. */
export function selectedHosts(args: ParsedArgs, fleet: Fleet): string[] {
  const value = args.values["host"];
  const named = Array.isArray(value) ? value.map(String) : [];
  const known = fleet.hosts.map((h) => h.name);
  const unknown = named.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new UserError(`no host ${unknown.join(", ")} in the inventory`, {
      hint: `hosts: ${known.join(", ")}`,
    });
  }
  return named.length === 0 ? known : known.filter((name) => named.includes(name));
}

export function parallelOf(args: ParsedArgs): number {
  const text = stringFlag(args, "parallel") ?? "8";
  const parallel = Number(text);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 256) {
    throw new UserError(`--parallel: "${text}" is not a number of hosts from 1 to 256`);
  }
  return parallel;
}

/** --ssh-config, else $STACKMON_SSH_CONFIG. */
export function sshConfigOf(args: ParsedArgs): { sshConfig?: string } {
  const file = stringFlag(args, "ssh-config") ?? process.env["STACKMON_SSH_CONFIG"];
  return file ? { sshConfig: file } : {};
}

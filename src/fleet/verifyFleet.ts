// verify over a fleet: each host asked about itself (units, endpoints, protection), each server
// about the whole fleet (every host's targets up, rules, Alertmanager, the Watchdog), in
// parallel, each waiting up to the same deadline for what is still pending.
import type { DesiredState, ScrapeJob } from "../render/desiredState.js";
import type { Host } from "../host/host.js";
import { concluded, settled, verifyStack, type Check, type VerifyInput } from "../verify/verify.js";
import type { FleetRunOptions } from "./applyFleet.js";
import { forEachHost, type HostOutcome } from "./fanOut.js";
import { UserError } from "../config/configError.js";

export interface FleetVerifyOptions extends Omit<FleetRunOptions, "readSecret"> {
  readonly waitMs: number;
  /** What the host should be running (a host without systemd runs what `up` would). */
  readonly desiredFor: (name: string, host: Host) => DesiredState;
  /** Where the host's Alertmanager logs, and how far back a failed notification is current. */
  readonly deliveryFor?: (
    name: string,
    host: Host,
    desired: DesiredState,
  ) => Pick<VerifyInput, "alertmanagerLog" | "notificationWindowMs">;
  /** The jobs the fleet's other hosts (its servers) scrape this host's endpoints with. */
  readonly scrapedBy?: (name: string) => readonly ScrapeJob[];
}

export function verifyFleet(options: FleetVerifyOptions): Promise<HostOutcome<Check[]>[]> {
  const deadline = Date.now() + options.waitMs;
  return forEachHost(
    options.hosts,
    options.parallel,
    async (name) => {
      const fleetHost = options.fleet.hosts.find((h) => h.name === name);
      if (!fleetHost) throw new UserError(`no host ${name} in the inventory`);
      const session = await options.connect(fleetHost);
      try {
        const desired = options.desiredFor(name, session.host);
        const input = {
          desired,
          host: session.host,
          ...options.deliveryFor?.(name, session.host, desired),
          ...(options.scrapedBy ? { scrapedBy: options.scrapedBy(name) } : {}),
        };
        let checks = await verifyStack(input);
        while (!settled(checks) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 2000));
          checks = await verifyStack(input);
        }
        return concluded(checks);
      } finally {
        await session.close();
      }
    },
    (error) => (error instanceof UserError ? error.describe() : String(error)),
  );
}

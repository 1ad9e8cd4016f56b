// The PM2 daemons a host runs, one per user (each with its own PM2_HOME), and the exporter process
// each gets: its user, port, service id and unit. One user keeps the names stackmon always gave it.
import type { Listen } from "../../render/desiredState.js";

export interface DaemonSettings {
  readonly user?: string | undefined;
  readonly pm2_home?: string | undefined;
  readonly users?:
    | readonly {
        readonly user: string;
        readonly pm2_home?: string | undefined;
        readonly listen_address?: string | undefined;
      }[]
    | undefined;
}

export interface Pm2Daemon {
  readonly user: string;
  readonly pm2Home: string;
  readonly listen: Listen;
  /** "pm2" for a host's only daemon; "pm2@<user>" when there are several (see ComponentOutput). */
  readonly serviceId: string;
  readonly unit: string;
  /** Where its listen address comes from, for port-collision errors. */
  readonly listenKey: readonly (string | number)[];
}

export function defaultPm2Home(user: string): string {
  return user === "root" ? "/root/.pm2" : `/home/${user}/.pm2`;
}

/**
 * Every daemon to watch. The first listens at the component's listen_address, the next ones at
 * the following ports unless they name their own.
 */
export function daemonsOf(
  settings: DaemonSettings,
  base: Listen,
  parse: (text: string) => Listen | undefined,
): Pm2Daemon[] {
  const entries = settings.users ?? [{ user: settings.user ?? "root", pm2_home: settings.pm2_home }];
  const several = entries.length > 1;
  return entries.map((entry, i) => {
    const own = "listen_address" in entry && entry.listen_address ? parse(entry.listen_address) : undefined;
    return {
      user: entry.user,
      pm2Home: entry.pm2_home ?? defaultPm2Home(entry.user),
      listen: own ?? { host: base.host, port: base.port + i },
      serviceId: several ? `pm2@${entry.user}` : "pm2",
      unit: several ? `stackmon-pm2-exporter-${entry.user}.service` : "stackmon-pm2-exporter.service",
      // A derived port is the entry's: an error about it points at that user, not at the base.
      listenKey: own ? ["users", i, "listen_address"] : i === 0 ? ["listen_address"] : ["users", i],
    };
  });
}

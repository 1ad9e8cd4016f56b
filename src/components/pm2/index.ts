// The PM2 exporter (written here), one process per user's PM2 daemon. Each runs as that user,
// because the daemon's socket belongs to them, and sees nothing of their home but PM2_HOME: a
// user's daemon, whose answers the exporter parses, is never read by a process with more rights
// than that user (one process for all would hold every user's group, bench/pm2Users).
import { z } from "zod";
import {
  duration,
  endpointSettings,
  formatListen,
  parseListen,
  reachableAddress,
  refineExposure,
} from "../../config/schemaParts.js";
import { formatDuration, parseDuration } from "../../lib/duration.js";
import type { GlobalSettings } from "../../config/globalSchema.js";
import type { BinarySpec, ServiceSpec } from "../../render/desiredState.js";
import { pm2Alerts } from "./alerts.js";
import { defineComponent, type StackContext } from "../component.js";
import { daemonsOf, defaultPm2Home, type Pm2Daemon } from "./daemons.js";
import { hardening } from "../shared/hardening.js";
import { listenOf, localScrapeJob, webConfigFiles } from "../shared/endpoint.js";

const CONFIG_PATH = ["exporters", "pm2"] as const;

const unixUser = z.string().regex(/^[a-z_][a-z0-9_-]*[$]?$/, "must be a Unix user name");
// Whitespace would split the path in the unit's BindReadOnlyPaths= list.
const absolutePath = z
  .string()
  .refine((p) => p.startsWith("/"), "must be an absolute path")
  .refine((p) => !/\s/.test(p), "must not contain spaces (systemd's path lists split on them)");

const settingsSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    ...endpointSettings(9209),
    /** The user whose PM2 daemon to watch (the exporter runs as this user). */
    user: unixUser.optional(),
    /** That user's PM2_HOME; default ~user/.pm2. */
    pm2_home: absolutePath.optional(),
    /** Several users' daemons, instead of `user`: one exporter process each, as that user. */
    users: z
      .array(
        z.strictObject({
          // Also part of a unit name, where "$" may not go.
          user: z.string().regex(/^[a-z_][a-z0-9_-]*$/, "must be a Unix user name"),
          pm2_home: absolutePath.optional(),
          /** Default: the port after the previous user's (listen_address for the first). */
          listen_address: z
            .string()
            .refine((text) => parseListen(text) !== undefined, 'must be "host:port", e.g. "127.0.0.1:9210"')
            .optional(),
        }),
      )
      .min(1)
      .optional(),
    /**
     * A scrape within this long of the last collection is served that collection, so two
     * Prometheus servers share one; default 0.6 × the scrape interval.
     */
    min_age: duration().optional(),
    /**
     * How old PM2's process list (names, restarts, @pm2/io metrics) may get before a scrape has
     * it renewed in the background; CPU, memory and ended processes are read at every scrape.
     * Default 60s, or two scrape intervals when that is longer.
     */
    list_max_age: duration().optional(),
  })
  .superRefine((s, ctx) => {
    refineExposure(s, ctx);
    if (s.users && (s.user !== undefined || s.pm2_home !== undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["users"],
        message: "give either user (and pm2_home) or users, not both",
      });
    }
    if (s.enabled && s.user === undefined && s.users === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["user"],
        message: "name the user whose PM2 daemon to watch (users: for several)",
      });
    }
    refineUsers(s.users ?? [], ctx);
  })
  .prefault({});
type Pm2Settings = z.infer<typeof settingsSchema>;

/** Each user once, and each PM2_HOME once: a daemon's socket belongs to one user. */
function refineUsers(
  users: readonly { user: string; pm2_home?: string | undefined }[],
  ctx: z.RefinementCtx,
) {
  const homes = users.map((entry) => entry.pm2_home ?? defaultPm2Home(entry.user));
  users.forEach((entry, i) => {
    const sameUser = users.findIndex((other) => other.user === entry.user);
    const sameHome = homes.indexOf(homes[i] ?? "");
    if (sameUser !== i)
      ctx.addIssue({ code: "custom", path: ["users", i, "user"], message: `${entry.user} is listed twice` });
    else if (sameHome !== i)
      ctx.addIssue({
        code: "custom",
        path: ["users", i, "pm2_home"],
        message: `${homes[i] ?? ""} is already the PM2_HOME of ${users[sameHome]?.user ?? ""}`,
      });
  });
}

export const pm2ExporterBinary: BinarySpec = {
  name: "stackmon-pm2-exporter",
  paths: ["/usr/local/bin/stackmon-pm2-exporter"],
  packages: {},
  nodeEntry: "exporters/pm2/main",
};

export function daemonsOfSettings(settings: Pm2Settings): Pm2Daemon[] {
  return daemonsOf(settings, listenOf(settings), parseListen);
}

/**
 * Just over half the scrape interval: one Prometheus gets a fresh collection at every scrape, and
 * two scraping at that interval, whatever their offset, share each collection.
 */
export function minAgeOf(settings: Pm2Settings, globalScrapeInterval: string): string {
  if (settings.min_age) return settings.min_age;
  const interval = parseDuration(settings.scrape_interval ?? globalScrapeInterval) ?? 15_000;
  return formatDuration(Math.round(interval * 0.6));
}

/**
 * A minute, or two scrape intervals when that is longer: renewing the daemon's list at every scrape
 * of a slow job would cost more than asking for it the way pm2-metrics does.
 */
export function listMaxAgeOf(settings: Pm2Settings, globalScrapeInterval: string): string {
  if (settings.list_max_age) return settings.list_max_age;
  const interval = parseDuration(settings.scrape_interval ?? globalScrapeInterval) ?? 15_000;
  return formatDuration(Math.max(60_000, 2 * interval));
}

/** How long a scrape may wait for the daemon: 3 s, or less when Prometheus would give up sooner. */
export function timeoutOf(settings: Pm2Settings, global: GlobalSettings): string {
  const interval = parseDuration(settings.scrape_interval ?? global.scrape_interval) ?? 15_000;
  const explicit = settings.scrape_timeout ?? global.scrape_timeout;
  // Unset, Prometheus's own default: 10 s, or the interval when that is shorter.
  const scrapeTimeout =
    (explicit === undefined ? undefined : parseDuration(explicit)) ?? Math.min(10_000, interval);
  return formatDuration(Math.min(3000, Math.round(scrapeTimeout * 0.8)));
}

export const pm2 = defineComponent({
  id: "pm2",
  title: "PM2 exporter",
  configPath: CONFIG_PATH,
  schema: settingsSchema,
  example: `enabled: true
user: deploy                  # whose PM2 daemon (see docs/exporters/pm2.md)
# users: [{user: deploy}, {user: api}]   # several users' daemons, in place of user
`,
  alerts: pm2Alerts,
  dashboards: {
    uids: ["stackmon-pm2"],
    load: async () => (await import("./dashboards.js")).pm2Dashboards,
    thresholds: async () => (await import("./dashboards.js")).PM2_THRESHOLDS,
  },
  contribute: (settings, global) => {
    const daemons = daemonsOfSettings(settings);
    const job = localScrapeJob("pm2", "pm2", settings, CONFIG_PATH, global.hostname ?? "localhost");
    return {
      // One target per daemon; pm2_user tells their series (and their `up`) apart.
      scrapeJobs: [
        {
          ...job,
          staticConfigs: daemons.map((daemon) => ({
            targets: [reachableAddress(daemon.listen)],
            labels: { instance: global.hostname ?? "localhost", pm2_user: daemon.user },
          })),
        },
      ],
      endpoints: [],
      listens: daemons.map((daemon) => ({
        listen: daemon.listen,
        configPath: [...CONFIG_PATH, ...daemon.listenKey],
      })),
    };
  },
  render: (settings, stack) => {
    const daemons = daemonsOfSettings(settings);
    const outputs = daemons.map((daemon) => daemonOutput(settings, stack, daemon, daemons.length > 1));
    return {
      files: outputs.flatMap((o) => o.files),
      directories: outputs.flatMap((o) => o.directories),
      // The PM2 owners exist already; stackmon never creates or changes those accounts.
      users: daemons.map((d) => ({ name: d.user, group: d.user, supplementaryGroups: [], create: false })),
      packages: [],
      services: outputs.map((o) => o.service),
    };
  },
});

const CONFIG_DIR = "/etc/stackmon/pm2-exporter";
const TLS_CREDENTIAL = "web-tls.key";

/** One daemon's exporter: its service and, when protected, its own web config. */
function daemonOutput(settings: Pm2Settings, stack: StackContext, daemon: Pm2Daemon, several: boolean) {
  const configDir = several ? `${CONFIG_DIR}/${daemon.user}` : CONFIG_DIR;
  // Several users cannot share a key file readable by one group: under systemd each unit is
  // handed its own copy of the key (LoadCredential, read by systemd as root).
  const credential =
    several && settings.web.tls && stack.target.platform === "systemd"
      ? settings.web.tls.key_file
      : undefined;
  const webSettings =
    credential && settings.web.tls
      ? {
          ...settings.web,
          tls: { ...settings.web.tls, key_file: `/run/credentials/${daemon.unit}/${TLS_CREDENTIAL}` },
        }
      : settings.web;
  const web = webConfigFiles(daemon.serviceId, daemon.user, webSettings, configDir, CONFIG_PATH, stack);
  const service: ServiceSpec = {
    id: daemon.serviceId,
    unit: daemon.unit,
    description: `stackmon PM2 exporter for ${daemon.user}`,
    user: daemon.user,
    group: daemon.user,
    binary: pm2ExporterBinary,
    args: [
      `--web.listen-address=${formatListen(daemon.listen)}`,
      // The user's own directory, outside the stack: never under the work directory.
      `--pm2.home=${daemon.pm2Home}`,
      `--pm2.min-age=${minAgeOf(settings, stack.global.scrape_interval)}`,
      `--pm2.timeout=${timeoutOf(settings, stack.global)}`,
      `--pm2.list-max-age=${listMaxAgeOf(settings, stack.global.scrape_interval)}`,
      ...web.args,
    ],
    environment: {},
    listen: daemon.listen,
    readinessPath: "/",
    scheme: settings.web.tls ? "https" : "http",
    reload: { kind: "restart" },
    hardening: hardening({
      // Node.js compiles code at run time: W^X memory would stop its JIT.
      memoryDenyWriteExecute: false,
      // An empty /home, with only PM2_HOME mapped back in, read-only (connecting to the
      // daemon's socket needs no write access to the directory).
      protectHome: "tmpfs",
      extra: [
        `BindReadOnlyPaths=${daemon.pm2Home}`,
        ...(credential ? [`LoadCredential=${TLS_CREDENTIAL}:${credential}`] : []),
      ],
    }),
    after: [`pm2-${daemon.user}.service`],
  };
  return {
    files: web.files,
    directories: web.files.length
      ? [{ path: configDir, mode: 0o750, owner: "root", group: daemon.user }]
      : [],
    service,
  };
}

// The PM2 exporter (written here) for one user's PM2 daemon. It runs as that user, because the
// daemon's socket belongs to them, and sees nothing of their home but PM2_HOME.
import { z } from "zod";
import { duration, endpointSettings, formatListen, refineExposure } from "../../config/schemaParts.js";
import { formatDuration, parseDuration } from "../../lib/duration.js";
import type { GlobalSettings } from "../../config/globalSchema.js";
import type { BinarySpec } from "../../render/desiredState.js";
import { pm2Alerts } from "./alerts.js";
import { defineComponent } from "../component.js";
import { hardening } from "../shared/hardening.js";
import { listenClaim, listenOf, localScrapeJob, webConfigFiles } from "../shared/endpoint.js";

const CONFIG_PATH = ["exporters", "pm2"] as const;

const settingsSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    ...endpointSettings(9209),
    /** The user whose PM2 daemon to watch (the exporter runs as this user). */
    user: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]*[$]?$/, "must be a Unix user name")
      .optional(),
    /** That user's PM2_HOME; default ~user/.pm2. */
    pm2_home: z
      .string()
      .refine((p) => p.startsWith("/"), "must be an absolute path")
      .optional(),
    /**
     * A scrape within this long of the last collection is served that collection, so two
     * Prometheus servers share one; default 0.6 × the scrape interval.
     */
    min_age: duration().optional(),
  })
  .superRefine((s, ctx) => {
    refineExposure(s, ctx);
    if (s.enabled && s.user === undefined) {
      ctx.addIssue({ code: "custom", path: ["user"], message: "name the user whose PM2 daemon to watch" });
    }
  })
  .prefault({});
type Pm2Settings = z.infer<typeof settingsSchema>;

export const pm2ExporterBinary: BinarySpec = {
  name: "stackmon-pm2-exporter",
  paths: ["/usr/local/bin/stackmon-pm2-exporter"],
  packages: {},
  nodeEntry: "exporters/pm2/main",
};

export function pm2HomeOf(settings: Pm2Settings): string {
  if (settings.pm2_home) return settings.pm2_home;
  const user = settings.user ?? "root";
  return user === "root" ? "/root/.pm2" : `/home/${user}/.pm2`;
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
`,
  alerts: pm2Alerts,
  dashboards: {
    uids: ["stackmon-pm2"],
    load: async () => (await import("./dashboards.js")).pm2Dashboards,
    thresholds: async () => (await import("./dashboards.js")).PM2_THRESHOLDS,
  },
  contribute: (settings, global) => ({
    scrapeJobs: [localScrapeJob("pm2", "pm2", settings, CONFIG_PATH, global.hostname ?? "localhost")],
    endpoints: [],
    listens: [listenClaim(settings, CONFIG_PATH)],
  }),
  render: (settings, stack) => {
    const user = settings.user ?? "root";
    const pm2Home = pm2HomeOf(settings);
    const configDir = "/etc/stackmon/pm2-exporter";
    const web = webConfigFiles("pm2", user, settings.web, configDir, CONFIG_PATH, stack);
    return {
      files: [...web.files],
      directories: web.files.length ? [{ path: configDir, mode: 0o750, owner: "root", group: user }] : [],
      // The PM2 owner exists already; stackmon never creates or changes that account.
      users: [{ name: user, group: user, supplementaryGroups: [], create: false }],
      packages: [],
      service: {
        id: "pm2",
        unit: `stackmon-pm2-exporter.service`,
        description: `stackmon PM2 exporter for ${user}`,
        user,
        group: user,
        binary: pm2ExporterBinary,
        args: [
          `--web.listen-address=${formatListen(listenOf(settings))}`,
          // The user's own directory, outside the stack: never under the work directory.
          `--pm2.home=${pm2Home}`,
          `--pm2.min-age=${minAgeOf(settings, stack.global.scrape_interval)}`,
          `--pm2.timeout=${timeoutOf(settings, stack.global)}`,
          ...web.args,
        ],
        environment: {},
        listen: listenOf(settings),
        readinessPath: "/",
        scheme: settings.web.tls ? "https" : "http",
        reload: { kind: "restart" },
        hardening: hardening({
          // Node.js compiles code at run time: W^X memory would stop its JIT.
          memoryDenyWriteExecute: false,
          // An empty /home, with only PM2_HOME mapped back in, read-only (connecting to the
          // daemon's socket needs no write access to the directory).
          protectHome: "tmpfs",
          extra: [`BindReadOnlyPaths=${pm2Home}`],
        }),
        after: [`pm2-${user}.service`],
      },
    };
  },
});

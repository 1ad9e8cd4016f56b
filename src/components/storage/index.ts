// Long-term storage: VictoriaMetrics single-node, which every Prometheus of the stack writes to
// (remote_write) and Grafana reads by default. It keeps `retention` of history and stores the
// samples a Prometheus pair writes twice once (-dedup.minScrapeInterval = the scrape interval).
import { z } from "zod";
import { endpointSettings, formatListen, refineExposure, secretRefFrom } from "../../config/schemaParts.js";
import { parseDuration } from "../../lib/duration.js";
import type { BinarySpec, FileSpec } from "../../render/desiredState.js";
import { defineComponent, type StackContext } from "../component.js";
import { hardening } from "../shared/hardening.js";
import { listenClaim, listenOf, localScrapeJob } from "../shared/endpoint.js";
import { reachableAddress } from "../../config/schemaParts.js";
import { STORAGE_JOB, storageAlerts } from "./alerts.js";

const CONFIG_PATH = ["storage"] as const;
/** Debian's package keeps its data here and gives it to its user on every upgrade. */
const DATA_DIR = "/var/lib/victoria-metrics";
const CONFIG_DIR = "/etc/stackmon/victoria-metrics";
const ENV_FILE = `${CONFIG_DIR}/environment`;
/** Debian's package creates this user (and chowns DATA_DIR to it); a tarball install gets it too. */
const SERVICE_USER = "_victoria-metrics";

/** VictoriaMetrics' -retentionPeriod units: hours, days, weeks, years, or months without a unit. */
const RETENTION = /^(\d+)(h|d|w|y|mo)$/;
const HOURS = { h: 1, d: 24, w: 168, y: 8760, mo: 744 } as const;

const settingsSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    ...endpointSettings(8428),
    /** How long samples are kept: "12mo", "90d", "2y" (at least a day). */
    retention: z
      .string()
      .regex(RETENTION, 'must be a number with h, d, w, y or mo (months), e.g. "12mo" or "2y"')
      .refine((text) => retentionHours(text) >= 24, { message: "must be at least a day (1d)" })
      .default("12mo"),
  })
  .superRefine(refineExposure)
  .prefault({});
type StorageSettings = z.infer<typeof settingsSchema>;

function retentionHours(text: string): number {
  const match = RETENTION.exec(text);
  if (!match) return 0;
  return Number(match[1]) * HOURS[match[2] as keyof typeof HOURS];
}

/** -retentionPeriod as VictoriaMetrics reads it: months are a bare number. */
export function retentionFlag(retention: string): string {
  return retention.endsWith("mo") ? retention.slice(0, -2) : retention;
}

/**
 * The Debian package (1.79 in bookworm), else the project's release: one tarball per
 * architecture with `victoria-metrics-prod` inside and its own checksums file.
 */
export const victoriaMetricsBinary: BinarySpec = {
  name: "victoria-metrics",
  paths: ["/usr/bin/victoria-metrics", "/usr/local/bin/victoria-metrics-prod"],
  packages: { apt: "victoria-metrics" },
  minVersion: "1.79.0",
  release: {
    repo: "VictoriaMetrics/VictoriaMetrics",
    version: "1.79.14",
    asset: "victoria-metrics-linux-{arch}-v{version}.tar.gz",
    member: "victoria-metrics-prod",
    checksums: "victoria-metrics-linux-{arch}-v{version}_checksums.txt",
    installPath: "/usr/local/bin/victoria-metrics-prod",
  },
};

/** A Go duration for a Prometheus one: "1d" is not one, its seconds are. */
function goDuration(prometheusDuration: string): string {
  return `${(parseDuration(prometheusDuration) ?? 0) / 1000}s`;
}

/**
 * The password is never in argv: VictoriaMetrics 1.79 reads flags from its environment with
 * -envflag.enable (a flag's dots become underscores), and systemd reads this root-only file.
 * 1.79 serves /flags and /debug/pprof without basic auth unless they have their own key: they get
 * the same password, so nothing but /metrics, /health and /ping answers without it.
 */
function environmentFile(settings: StorageSettings): FileSpec | undefined {
  const auth = settings.web.basic_auth;
  const secret = auth
    ? secretRefFrom(auth.password_file, auth.password_env, [...CONFIG_PATH, "web", "basic_auth", "password"])
    : undefined;
  if (!secret) return undefined;
  const line = (name: string) => [`${name}=`, { secret, as: "env-quoted" as const }, "\n"];
  return {
    path: ENV_FILE,
    content: {
      template: [
        "# Rendered by stackmon: VictoriaMetrics' password, read by systemd, never passed in argv.\n",
        ...line("httpAuth_password"),
        ...line("flagsAuthKey"),
        ...line("pprofAuthKey"),
      ],
    },
    mode: 0o600,
    owner: "root",
    group: "root",
    consumers: [{ service: "storage", onChange: "restart" }],
  };
}

function publicUrl(settings: StorageSettings): string {
  return `${settings.web.tls ? "https" : "http"}://${reachableAddress(listenOf(settings))}`;
}

function serviceArgs(settings: StorageSettings, stack: StackContext): string[] {
  const { tls, basic_auth: auth } = settings.web;
  return [
    `-storageDataPath=${stack.path(DATA_DIR)}`,
    `-retentionPeriod=${retentionFlag(settings.retention)}`,
    // A Prometheus pair writes each sample twice: one per scrape interval is kept.
    `-dedup.minScrapeInterval=${goDuration(stack.global.scrape_interval)}`,
    `-httpListenAddr=${formatListen(listenOf(settings))}`,
    ...(tls ? ["-tls", `-tlsCertFile=${tls.cert_file}`, `-tlsKeyFile=${tls.key_file}`] : []),
    ...(auth ? ["-envflag.enable", `-httpAuth.username=${auth.username}`] : []),
  ];
}

export const storage = defineComponent({
  id: "storage",
  title: "VictoriaMetrics (long-term storage)",
  // The host that keeps the history; every server writes to it and reads from it over TLS.
  placement: { role: "storage", elsewhere: "never", exposed: true },
  configPath: CONFIG_PATH,
  schema: settingsSchema,
  example: `enabled: true                 # VictoriaMetrics keeps the long-term history
retention: 1y
`,
  alerts: storageAlerts,
  dashboards: {
    uids: ["stackmon-storage"],
    load: async () => (await import("./dashboards.js")).storageDashboards,
    thresholds: async () => (await import("./dashboards.js")).STORAGE_THRESHOLDS,
  },
  contribute: (settings, global) => ({
    scrapeJobs: [
      localScrapeJob(STORAGE_JOB, "storage", settings, CONFIG_PATH, global.hostname ?? "localhost"),
    ],
    endpoints: [{ role: "storage", url: publicUrl(settings), shared: true }],
    listens: [listenClaim(settings, CONFIG_PATH)],
  }),
  render: (settings, stack) => {
    const env = environmentFile(settings);
    return {
      files: env ? [env] : [],
      directories: [
        ...(env ? [{ path: CONFIG_DIR, mode: 0o700, owner: "root", group: "root" }] : []),
        { path: DATA_DIR, mode: 0o750, owner: SERVICE_USER, group: SERVICE_USER },
      ],
      users: [{ name: SERVICE_USER, group: SERVICE_USER, supplementaryGroups: [], create: true }],
      packages: [{ binary: victoriaMetricsBinary }],
      service: {
        id: "storage",
        unit: "victoria-metrics.service",
        description: "VictoriaMetrics long-term storage (stackmon)",
        user: SERVICE_USER,
        group: SERVICE_USER,
        binary: victoriaMetricsBinary,
        args: serviceArgs(settings, stack),
        environment: {},
        ...(env ? { environmentFile: ENV_FILE } : {}),
        listen: listenOf(settings),
        readinessPath: "/health",
        authProbePath: "/api/v1/labels",
        scheme: settings.web.tls ? "https" : "http",
        reload: { kind: "restart" },
        // One file per data part: the package's unit allows as many.
        hardening: hardening({ readWritePaths: [DATA_DIR], extra: ["LimitNOFILE=65536"] }),
        after: [],
      },
    };
  },
});

// The Duplicati backup exporter (written here): receives Duplicati's reports, keeps the last one
// of each backup on disk, and tells Prometheus which backups failed or are overdue.
import { stringify } from "yaml";
import { z } from "zod";
import {
  duration,
  endpointSettings,
  formatListen,
  refineExposure,
  secretReference,
  secretRefFrom,
} from "../../config/schemaParts.js";
import { DEFAULT_LIMITS } from "../../exporters/duplicati/backupTable.js";
import { serverUrl } from "../../exporters/duplicati/exporterConfig.js";
import type { BinarySpec } from "../../render/desiredState.js";
import { duplicatiAlerts } from "./alerts.js";
import { defineComponent } from "../component.js";
import { hardening } from "../shared/hardening.js";
import { listenClaim, listenOf, localScrapeJob, webConfigFiles } from "../shared/endpoint.js";

const CONFIG_PATH = ["exporters", "duplicati"] as const;
const CONFIG_DIR = "/etc/stackmon/duplicati-exporter";
const STATE_DIR = "/var/lib/stackmon-duplicati-exporter";

const settingsSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    ...endpointSettings(9618),
    /** Backups change slowly; 5 minutes is plenty and keeps the series cheap. */
    scrape_interval: duration().default("5m"),
    /** The token Duplicati sends as ?token=… (it cannot send headers). */
    token_file: secretReference.file,
    token_env: secretReference.env,
    /** Most backups tracked; reports of further ones are dropped (and counted). */
    max_backups: z.number().int().min(1).max(100_000).default(DEFAULT_LIMITS.maxBackups),
    /** Backups to watch even before their first report, and how old their last success may be. */
    backups: z
      .array(z.strictObject({ name: z.string().min(1), max_age: duration() }))
      .default([])
      .superRefine((backups, ctx) => {
        const seen = new Set<string>();
        backups.forEach((b, i) => {
          if (seen.has(b.name))
            ctx.addIssue({
              code: "custom",
              path: [i, "name"],
              message: `backup "${b.name}" is listed twice`,
            });
          seen.add(b.name);
        });
      }),
    /** Optional: poll a Duplicati 2.1+ server for backups that never reported and their schedules. */
    server: z
      .strictObject({
        url: serverUrl,
        password_file: secretReference.file,
        password_env: secretReference.env,
        interval: duration().default("5m"),
      })
      .refine((s) => (s.password_file === undefined) !== (s.password_env === undefined), {
        message: "set exactly one of password_file and password_env",
      })
      .optional(),
  })
  .superRefine((s, ctx) => {
    refineExposure(s, ctx);
    if (s.enabled && (s.token_file === undefined) === (s.token_env === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["token_file"],
        message: "set exactly one of token_file and token_env",
      });
    }
  })
  .prefault({});

export const duplicatiExporterBinary: BinarySpec = {
  name: "stackmon-duplicati-exporter",
  paths: ["/usr/local/bin/stackmon-duplicati-exporter"],
  packages: {},
  nodeEntry: "exporters/duplicati/main",
};

export const duplicati = defineComponent({
  id: "duplicati",
  title: "Duplicati exporter",
  configPath: CONFIG_PATH,
  schema: settingsSchema,
  example: `enabled: true
token_file: /etc/stackmon/secrets/duplicati.token   # the token in Duplicati's report URL
backups:                      # watched even before their first report
  - {name: nightly-home, max_age: 26h}
server:                       # a Duplicati 2.1+ server to ask for backups that never reported
  url: http://127.0.0.1:8200
  password_file: /etc/stackmon/secrets/duplicati.password
`,
  alerts: duplicatiAlerts,
  dashboards: {
    uids: ["stackmon-backups"],
    load: async () => (await import("./dashboards.js")).duplicatiDashboards,
    thresholds: async () => (await import("./dashboards.js")).DUPLICATI_THRESHOLDS,
  },
  contribute: (settings, global) => ({
    scrapeJobs: [
      localScrapeJob("duplicati", "duplicati", settings, CONFIG_PATH, global.hostname ?? "localhost"),
    ],
    endpoints: [],
    listens: [listenClaim(settings, CONFIG_PATH)],
  }),
  render: (settings, stack) => {
    const token = secretRefFrom(settings.token_file, settings.token_env, [...CONFIG_PATH, "token"]);
    if (!token) throw new Error("duplicati token reference missing after validation");
    const tokenFile = `${CONFIG_DIR}/token`;
    const configFile = `${CONFIG_DIR}/config.yml`;
    const web = webConfigFiles(
      "duplicati",
      "duplicati-exporter",
      settings.web,
      CONFIG_DIR,
      CONFIG_PATH,
      stack,
    );
    const consumers = [{ service: "duplicati", onChange: "restart" as const }];
    const serverPasswordFile = `${CONFIG_DIR}/server.password`;
    const serverPassword = settings.server
      ? secretRefFrom(settings.server.password_file, settings.server.password_env, [
          ...CONFIG_PATH,
          "server",
          "password",
        ])
      : undefined;
    const exporterConfig = {
      backups: settings.backups,
      ...(settings.server
        ? {
            server: {
              url: settings.server.url,
              password_file: stack.path(serverPasswordFile),
              interval: settings.server.interval,
            },
          }
        : {}),
    };
    return {
      files: [
        {
          path: configFile,
          content: `# Rendered by stackmon from stackmon.yml.\n${stringify(exporterConfig)}`,
          mode: 0o640,
          owner: "root",
          group: "duplicati-exporter",
          consumers,
        },
        {
          path: tokenFile,
          content: { template: [{ secret: token, as: "raw" }] },
          mode: 0o640,
          owner: "root",
          group: "duplicati-exporter",
          consumers,
        },
        ...(serverPassword
          ? [
              {
                path: serverPasswordFile,
                content: { template: [{ secret: serverPassword, as: "raw" as const }] },
                mode: 0o640,
                owner: "root",
                group: "duplicati-exporter",
                consumers,
              },
            ]
          : []),
        ...web.files,
      ],
      directories: [
        { path: CONFIG_DIR, mode: 0o750, owner: "root", group: "duplicati-exporter" },
        { path: STATE_DIR, mode: 0o750, owner: "duplicati-exporter", group: "duplicati-exporter" },
      ],
      users: [
        { name: "duplicati-exporter", group: "duplicati-exporter", supplementaryGroups: [], create: true },
      ],
      packages: [],
      service: {
        id: "duplicati",
        unit: "stackmon-duplicati-exporter.service",
        description: "stackmon Duplicati backup exporter",
        user: "duplicati-exporter",
        group: "duplicati-exporter",
        binary: duplicatiExporterBinary,
        args: [
          `--web.listen-address=${formatListen(listenOf(settings))}`,
          `--token-file=${stack.path(tokenFile)}`,
          `--state-dir=${stack.path(STATE_DIR)}`,
          `--config.file=${stack.path(configFile)}`,
          ...(settings.max_backups !== DEFAULT_LIMITS.maxBackups
            ? [`--backups.max=${settings.max_backups}`]
            : []),
          ...web.args,
        ],
        environment: {},
        listen: listenOf(settings),
        readinessPath: "/",
        scheme: settings.web.tls ? "https" : "http",
        reload: { kind: "restart" },
        // Node.js compiles code at run time: W^X memory would stop its JIT.
        hardening: hardening({
          memoryDenyWriteExecute: false,
          readWritePaths: [STATE_DIR],
          extra: resourceLimits(settings.max_backups),
        }),
        after: [],
      },
    };
  },
});

/**
 * A ceiling on what an exporter facing the network may take: memory grows with the backups it
 * tracks (about 30 MiB per 1,000 at scrape time, bench/duplicati.ts), connections are capped at
 * 64 with 1 MiB bodies; Node.js runs about a dozen threads.
 */
export function resourceLimits(maxBackups: number): string[] {
  return [`MemoryMax=${192 + 64 * Math.ceil(maxBackups / 1000)}M`, "TasksMax=32"];
}

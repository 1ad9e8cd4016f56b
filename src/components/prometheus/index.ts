// Prometheus: scrapes every job the stack contributes, evaluates rule files, sends to Alertmanager.
import { z } from "zod";
import { duration, endpointSettings, refineExposure } from "../../config/schemaParts.js";
import type { FileSpec, ScrapeJob } from "../../render/desiredState.js";
import { defineComponent, type StackContext } from "../component.js";
import { GO_PROCESS_METRICS, hardening } from "../shared/hardening.js";
import { upstreamBinary } from "../shared/upstreamBinary.js";
import { listenClaim, listenOf, localScrapeJob, webConfigFiles } from "../shared/endpoint.js";
import { formatListen } from "../../config/schemaParts.js";
import { renderPrometheusConfig } from "./prometheusConfig.js";
import { prometheusAlerts } from "./alerts.js";
import { alertsByComponent, renderRuleFile } from "../../alerting/prometheusRules.js";
import {
  REMOTE_WRITE_SECRETS_DIR,
  remoteWriteListSchema,
  remoteWriteSecretFiles,
  storageRemoteWrites,
  userRemoteWrites,
} from "./remoteWrite.js";

const CONFIG_PATH = ["prometheus"] as const;
export const PROMETHEUS_RULES_DIR = "/etc/prometheus/rules";
const DATA_DIR = "/var/lib/prometheus/metrics2";

const extraJobSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_-]*$/, "must be a job name: letters, digits, _ and -"),
  targets: z.array(z.string().regex(/^[^\s/]+:\d{1,5}$/, 'must be "host:port"')).min(1),
  scrape_interval: duration().optional(),
  scrape_timeout: duration().optional(),
  metrics_path: z.string().startsWith("/").optional(),
  scheme: z.enum(["http", "https"]).optional(),
  labels: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), z.string()).optional(),
});

const settingsSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    ...endpointSettings(9090),
    /** How long samples are kept (Prometheus's --storage.tsdb.retention.time). */
    retention: duration().default("15d"),
    /** Optional size cap, e.g. "10GB". */
    retention_size: z
      .string()
      .regex(/^\d+(B|KB|MB|GB|TB|PB|EB)$/, 'must be a size such as "10GB"')
      .optional(),
    /** The URL people reach Prometheus at; used in alert links. */
    external_url: z.url().optional(),
    /** Further scrape jobs for exporters stackmon does not manage, each with its own interval. */
    scrape_jobs: z.array(extraJobSchema).default([]),
    /** Receivers that also get every sample (VictoriaMetrics, Mimir, Thanos...). */
    remote_write: remoteWriteListSchema,
  })
  .superRefine((s, ctx) => {
    refineExposure(s, ctx);
    const seen = new Set<string>(["prometheus"]);
    s.scrape_jobs.forEach((job, i) => {
      if (seen.has(job.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["scrape_jobs", i, "name"],
          message: `job "${job.name}" is defined twice`,
        });
      }
      seen.add(job.name);
    });
  })
  .prefault({});
export type PrometheusSettings = z.infer<typeof settingsSchema>;

export const prometheusBinary = upstreamBinary({
  debianName: "prometheus",
  upstreamName: "prometheus",
  dnfPackage: "prometheus",
  minVersion: "2.42.0",
  releaseVersion: "2.53.2",
});

export const promtoolBinary = upstreamBinary({
  debianName: "prometheus",
  upstreamName: "prometheus",
  member: "promtool",
  dnfPackage: "prometheus",
  minVersion: "2.42.0",
  releaseVersion: "2.53.2",
});

export const prometheus = defineComponent({
  id: "prometheus",
  title: "Prometheus",
  // The monitoring server's own part of a fleet.
  placement: { role: "server", elsewhere: "never", peers: true },
  configPath: CONFIG_PATH,
  schema: settingsSchema,
  example: `retention: 30d                # how long samples are kept
retention_size: 20GB          # and at most this much disk
external_url: https://prometheus.example.com   # used in alert links
`,
  alerts: prometheusAlerts,
  dashboards: {
    uids: ["stackmon-prometheus"],
    load: async () => (await import("./dashboards.js")).prometheusDashboards,
    thresholds: async () => (await import("./dashboards.js")).PROMETHEUS_THRESHOLDS,
  },
  contribute: (settings, global) => ({
    scrapeJobs: [
      localScrapeJob("prometheus", "prometheus", settings, CONFIG_PATH, global.hostname ?? "localhost"),
      ...settings.scrape_jobs.map((job): ScrapeJob => ({
        jobName: job.name,
        ...(job.scrape_interval ? { scrapeInterval: job.scrape_interval } : {}),
        ...(job.scrape_timeout ? { scrapeTimeout: job.scrape_timeout } : {}),
        ...(job.metrics_path ? { metricsPath: job.metrics_path } : {}),
        ...(job.scheme ? { scheme: job.scheme } : {}),
        staticConfigs: [{ targets: job.targets, ...(job.labels ? { labels: job.labels } : {}) }],
      })),
    ],
    endpoints: [{ role: "prometheus", url: publicUrl(settings) }],
    listens: [listenClaim(settings, CONFIG_PATH)],
  }),
  render: (settings, stack) => {
    const configFile = "/etc/prometheus/prometheus.yml";
    const web = webConfigFiles(
      "prometheus",
      "prometheus",
      settings.web,
      "/etc/prometheus",
      CONFIG_PATH,
      stack,
    );
    const ownRemoteWrites = userRemoteWrites(settings.remote_write, [...CONFIG_PATH, "remote_write"]);
    const remoteWrites = [...ownRemoteWrites, ...storageRemoteWrites(stack)];
    return {
      files: [
        {
          path: configFile,
          content: renderPrometheusConfig(stack, `${PROMETHEUS_RULES_DIR}/*.yml`, remoteWrites),
          mode: 0o644,
          owner: "root",
          group: "prometheus",
          consumers: [{ service: "prometheus", onChange: "reload" }],
          validate: { binary: promtoolBinary, args: ["check", "config", "{file}"], order: 20 },
        },
        ...ruleFiles(stack),
        ...scrapeCredentialFiles(stack),
        ...remoteWriteSecretFiles(ownRemoteWrites),
        ...web.files,
      ],
      directories: [
        { path: "/etc/prometheus", mode: 0o755, owner: "root", group: "root" },
        { path: PROMETHEUS_RULES_DIR, mode: 0o755, owner: "root", group: "root" },
        { path: "/etc/prometheus/secrets", mode: 0o750, owner: "root", group: "prometheus" },
        ...(ownRemoteWrites.some((w) => w.basicAuth || w.bearerToken)
          ? [{ path: REMOTE_WRITE_SECRETS_DIR, mode: 0o750, owner: "root", group: "prometheus" }]
          : []),
        { path: "/var/lib/prometheus", mode: 0o755, owner: "prometheus", group: "prometheus" },
        { path: DATA_DIR, mode: 0o750, owner: "prometheus", group: "prometheus" },
      ],
      users: [{ name: "prometheus", group: "prometheus", supplementaryGroups: [], create: true }],
      packages: [{ binary: prometheusBinary }],
      service: {
        id: "prometheus",
        unit: "prometheus.service",
        description: "Prometheus monitoring system (stackmon)",
        user: "prometheus",
        group: "prometheus",
        binary: prometheusBinary,
        args: [
          `--config.file=${stack.path(configFile)}`,
          `--storage.tsdb.path=${stack.path(DATA_DIR)}`,
          `--storage.tsdb.retention.time=${settings.retention}`,
          ...(settings.retention_size ? [`--storage.tsdb.retention.size=${settings.retention_size}`] : []),
          `--web.listen-address=${formatListen(listenOf(settings))}`,
          ...(settings.external_url ? [`--web.external-url=${settings.external_url}`] : []),
          ...web.args,
        ],
        environment: {},
        listen: listenOf(settings),
        readinessPath: "/-/ready",
        scheme: settings.web.tls ? "https" : "http",
        reload: { kind: "signal", signal: "SIGHUP" },
        hardening: hardening({ ...GO_PROCESS_METRICS, readWritePaths: [DATA_DIR] }),
        after: [],
      },
    };
  },
});

/**
 * Prometheus's own copies of what it scrapes with: each protected job's password (0640, group
 * prometheus) and the certificate authority it checks a fleet host's certificate against.
 */
function scrapeCredentialFiles(stack: StackContext): FileSpec[] {
  const files = new Map<string, FileSpec>();
  const reload = [{ service: "prometheus", onChange: "reload" as const }];
  for (const job of stack.scrapeJobs) {
    const password = job.basicAuth?.password;
    if (job.basicAuth && password) {
      files.set(job.basicAuth.passwordFile, {
        path: job.basicAuth.passwordFile,
        content: { template: [{ secret: password, as: "raw" }] },
        mode: 0o640,
        owner: "root",
        group: "prometheus",
        consumers: reload,
      });
    }
    if (job.trust) {
      files.set(job.trust.caFile, {
        path: job.trust.caFile,
        content: { template: [{ secret: job.trust.ca, as: "raw" }] },
        mode: 0o644,
        owner: "root",
        group: "prometheus",
        consumers: reload,
      });
    }
  }
  return [...files.values()];
}

/** One rule file per component, when Prometheus evaluates the alerts (not Grafana). */
function ruleFiles(stack: StackContext): FileSpec[] {
  if (stack.alerting.engine !== "alertmanager") return [];
  return [...alertsByComponent(stack.alerts)].map(([component, alerts]) => ({
    path: `${PROMETHEUS_RULES_DIR}/stackmon-${component}.yml`,
    content: renderRuleFile(`stackmon-${component}`, alerts),
    mode: 0o644,
    owner: "root",
    group: "prometheus",
    consumers: [{ service: "prometheus", onChange: "reload" }],
    // Rules first: the config that loads them is checked after.
    validate: { binary: promtoolBinary, args: ["check", "rules", "{file}"], order: 10 },
  }));
}

function publicUrl(settings: PrometheusSettings): string {
  if (settings.external_url) return settings.external_url;
  const listen = listenOf(settings);
  const host = listen.host === "0.0.0.0" ? "127.0.0.1" : listen.host;
  return `${settings.web.tls ? "https" : "http"}://${formatListen({ host, port: listen.port })}`;
}

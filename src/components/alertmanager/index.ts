// Alertmanager: groups, routes and delivers what Prometheus fires. A single node, or one of a
// cluster whose members share silences and who-was-notified by gossip, over mutual TLS.
import { z } from "zod";
import { stringify } from "yaml";
import {
  endpointSettings,
  formatListen,
  isLoopback,
  parseListen,
  refineExposure,
} from "../../config/schemaParts.js";

import { alertmanagerAlerts } from "./alerts.js";
import { defineComponent, type StackContext } from "../component.js";
import { GO_PROCESS_METRICS, hardening } from "../shared/hardening.js";
import { upstreamBinary } from "../shared/upstreamBinary.js";
import { listenClaim, listenOf, localScrapeJob, webConfigFiles } from "../shared/endpoint.js";
import { renderAlertmanagerConfig } from "./alertmanagerConfig.js";
import { messageTemplates } from "../../alerting/mattermost.js";
import { allMattermostRoutes } from "../../alerting/ownerRoutes.js";
import { buildRouteTree } from "../../alerting/routeTree.js";
import { heartbeatUrl } from "../../alerting/heartbeat.js";
import type { FileSpec } from "../../render/desiredState.js";

const CONFIG_PATH = ["alertmanager"] as const;
const DATA_DIR = "/var/lib/alertmanager";

const absolutePath = z.string().startsWith("/", "must be an absolute path");
const hostPort = z.string().refine((text) => parseListen(text) !== undefined, {
  message: 'must be "host:port"',
});

/** Gossip with the other members: each notification goes out from one of them only. */
const clusterSchema = z.strictObject({
  listen_address: hostPort,
  peers: z.array(hostPort).min(1),
  /** Mutual TLS between members (Alertmanager's --cluster.tls-config): certificates the CA signed. */
  tls: z.strictObject({ cert_file: absolutePath, key_file: absolutePath, ca_file: absolutePath }).optional(),
});

const settingsSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    ...endpointSettings(9093),
    /** The URL people reach Alertmanager at; used in silence links. */
    external_url: z.url().optional(),
    /** Set on every server of a fleet with two or more; by hand for a cluster of your own. */
    cluster: clusterSchema.optional(),
  })
  .superRefine((settings, ctx) => {
    refineExposure(settings, ctx);
    const listen = settings.cluster ? parseListen(settings.cluster.listen_address) : undefined;
    if (listen && !isLoopback(listen.host) && !settings.cluster?.tls) {
      ctx.addIssue({
        code: "custom",
        path: ["cluster", "tls"],
        message: `the cluster listens on ${listen.host}, beyond this host, so its gossip needs tls`,
      });
    }
  })
  .prefault({});
type AlertmanagerSettings = z.infer<typeof settingsSchema>;
const CLUSTER_TLS_FILE = "/etc/alertmanager/cluster-tls.yml";

/** The member's flags: its gossip address and peers, or none at all for a single node. */
function clusterArgs(settings: AlertmanagerSettings, stack: StackContext): string[] {
  const cluster = settings.cluster;
  // A single node: no gossip port (9094) opened to the network.
  if (!cluster) return ["--cluster.listen-address="];
  return [
    `--cluster.listen-address=${cluster.listen_address}`,
    `--cluster.advertise-address=${cluster.listen_address}`,
    ...cluster.peers.map((peer) => `--cluster.peer=${peer}`),
    ...(cluster.tls ? [`--cluster.tls-config=${stack.path(CLUSTER_TLS_FILE)}`] : []),
  ];
}

/** Alertmanager's cluster TLS config: every member presents its certificate and checks the peer's. */
function clusterTlsFile(settings: AlertmanagerSettings): FileSpec[] {
  const tls = settings.cluster?.tls;
  if (!tls) return [];
  const content = stringify({
    tls_server_config: {
      cert_file: tls.cert_file,
      key_file: tls.key_file,
      client_ca_file: tls.ca_file,
      client_auth_type: "RequireAndVerifyClientCert",
    },
    tls_client_config: { cert_file: tls.cert_file, key_file: tls.key_file, ca_file: tls.ca_file },
  });
  return [
    {
      path: CLUSTER_TLS_FILE,
      content: `# Rendered by stackmon: mutual TLS between the Alertmanagers of the cluster.\n${content}`,
      mode: 0o644,
      owner: "root",
      group: "alertmanager",
      consumers: [{ service: "alertmanager", onChange: "restart" }],
    },
  ];
}

export const alertmanagerBinary = upstreamBinary({
  debianName: "prometheus-alertmanager",
  upstreamName: "alertmanager",
  dnfPackage: "alertmanager",
  minVersion: "0.25.0",
  releaseVersion: "0.27.0",
});

export const amtoolBinary = upstreamBinary({
  debianName: "prometheus-alertmanager",
  upstreamName: "alertmanager",
  member: "amtool",
  dnfPackage: "alertmanager",
  minVersion: "0.25.0",
  releaseVersion: "0.27.0",
});

export const alertmanager = defineComponent({
  id: "alertmanager",
  title: "Alertmanager",
  // The monitoring server's own part of a fleet.
  placement: { role: "server", elsewhere: "never", peers: true },
  configPath: CONFIG_PATH,
  schema: settingsSchema,
  example: `enabled: true
listen_address: 127.0.0.1:9093
external_url: https://alertmanager.example.com # used in silence links
`,
  alerts: alertmanagerAlerts,
  dashboards: {
    uids: ["stackmon-alertmanager"],
    load: async () => (await import("./dashboards.js")).alertmanagerDashboards,
    // Its panels draw no alert's threshold.
    thresholds: () => Promise.resolve({}),
  },
  contribute: (settings, global) => {
    const listen = listenOf(settings);
    const host = listen.host === "0.0.0.0" ? "127.0.0.1" : listen.host;
    const scheme = settings.web.tls ? "https" : "http";
    return {
      scrapeJobs: [
        localScrapeJob("alertmanager", "alertmanager", settings, CONFIG_PATH, global.hostname ?? "localhost"),
      ],
      endpoints: [
        {
          role: "alertmanager",
          url: `${scheme}://${formatListen({ host, port: listen.port })}`,
          shared: true,
        },
      ],
      listens: [listenClaim(settings, CONFIG_PATH)],
    };
  },
  render: (settings, stack) => {
    const configFile = "/etc/alertmanager/alertmanager.yml";
    const templatesFile = "/etc/alertmanager/templates/stackmon.tmpl";
    const webhookFile = (name: string) => `/etc/alertmanager/secrets/${name}.url`;
    const heartbeat = stack.alerting.engine === "alertmanager" ? stack.alerting.heartbeat : undefined;
    // With Grafana as the engine, Alertmanager receives nothing from Prometheus and delivers nothing.
    const delivering = stack.alerting.engine === "alertmanager";
    const routes = delivering ? allMattermostRoutes(stack.alerting) : [];
    const reload = [{ service: "alertmanager", onChange: "reload" as const }];
    const webhookFiles = new Map(
      routes.map((route): [string, FileSpec] => [
        route.webhookName,
        {
          path: webhookFile(route.webhookName),
          content: { template: [{ secret: route.webhook, as: "raw" }] },
          mode: 0o640,
          owner: "root",
          group: "alertmanager",
          consumers: reload,
        },
      ]),
    );
    const web = webConfigFiles(
      "alertmanager",
      "alertmanager",
      settings.web,
      "/etc/alertmanager",
      CONFIG_PATH,
      stack,
    );
    return {
      files: [
        {
          path: configFile,
          content: renderAlertmanagerConfig({
            alerting: stack.alerting,
            alerts: stack.alerts,
            routes,
            tree: buildRouteTree(stack.alerting, stack.hosts, delivering),
            templatesPath: stack.path(templatesFile),
            webhookFile: (name) => stack.path(webhookFile(name)),
            ...(heartbeat
              ? { heartbeat: { interval: heartbeat.interval, urlFile: stack.path(webhookFile("heartbeat")) } }
              : {}),
          }),
          mode: 0o640,
          owner: "root",
          group: "alertmanager",
          consumers: [{ service: "alertmanager", onChange: "reload" }],
          validate: { binary: amtoolBinary, args: ["check-config", "{file}"], order: 10 },
        },
        ...(routes.length > 0
          ? [
              {
                path: templatesFile,
                content: messageTemplates({
                  engine: "alertmanager",
                  ...(stack.alerting.grafana_url ? { grafanaUrl: stack.alerting.grafana_url } : {}),
                }),
                mode: 0o644,
                owner: "root",
                group: "alertmanager",
                consumers: reload,
              },
            ]
          : []),
        ...webhookFiles.values(),
        ...clusterTlsFile(settings),
        ...(heartbeat
          ? [
              {
                path: webhookFile("heartbeat"),
                content: { template: [{ secret: heartbeatUrl(heartbeat), as: "raw" as const }] },
                mode: 0o640,
                owner: "root",
                group: "alertmanager",
                consumers: reload,
              },
            ]
          : []),
        ...web.files,
      ],
      directories: [
        { path: "/etc/alertmanager", mode: 0o750, owner: "root", group: "alertmanager" },
        { path: "/etc/alertmanager/templates", mode: 0o755, owner: "root", group: "root" },
        { path: "/etc/alertmanager/secrets", mode: 0o750, owner: "root", group: "alertmanager" },
        { path: DATA_DIR, mode: 0o750, owner: "alertmanager", group: "alertmanager" },
      ],
      users: [{ name: "alertmanager", group: "alertmanager", supplementaryGroups: [], create: true }],
      packages: [{ binary: alertmanagerBinary }],
      service: {
        id: "alertmanager",
        unit: "prometheus-alertmanager.service",
        description: "Prometheus Alertmanager (stackmon)",
        user: "alertmanager",
        group: "alertmanager",
        binary: alertmanagerBinary,
        args: [
          `--config.file=${stack.path(configFile)}`,
          `--storage.path=${stack.path(DATA_DIR)}`,
          `--web.listen-address=${formatListen(listenOf(settings))}`,
          ...clusterArgs(settings, stack),
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

// The node exporter: CPU, memory, disks, filesystems, network and systemd units of this host.
import { z } from "zod";
import { endpointSettings, refineExposure, formatListen } from "../../config/schemaParts.js";

import { nodeAlerts } from "./alerts.js";
import { defineComponent } from "../component.js";
import { hardening } from "../shared/hardening.js";
import { upstreamBinary } from "../shared/upstreamBinary.js";
import { listenClaim, listenOf, localScrapeJob, webConfigFiles } from "../shared/endpoint.js";

const CONFIG_PATH = ["exporters", "node"] as const;

const settingsSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    ...endpointSettings(9100),
    /** Unit states from systemd (failed units alert); only where systemd runs the stack. */
    systemd_collector: z.boolean().default(true),
    /** Mount points not worth watching (virtual and container filesystems). */
    mount_points_exclude: z
      .string()
      .default("^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"),
  })
  .superRefine(refineExposure)
  .prefault({});

export const nodeExporterBinary = upstreamBinary({
  debianName: "prometheus-node-exporter",
  upstreamName: "node_exporter",
  dnfPackage: "golang-github-prometheus-node-exporter",
  minVersion: "1.5.0",
  releaseVersion: "1.8.2",
});

export const node = defineComponent({
  id: "node",
  title: "Node exporter",
  configPath: CONFIG_PATH,
  schema: settingsSchema,
  example: `enabled: true
listen_address: 127.0.0.1:9100
scrape_interval: 30s          # a per-job interval overrides global.scrape_interval
systemd_collector: true       # unit states, for the failed-unit alert
`,
  alerts: nodeAlerts,
  dashboards: {
    uids: ["stackmon-node"],
    load: async () => (await import("./dashboards.js")).nodeDashboards,
    thresholds: async () => (await import("./dashboards.js")).NODE_THRESHOLDS,
  },
  contribute: (settings, global) => ({
    scrapeJobs: [localScrapeJob("node", "node", settings, CONFIG_PATH, global.hostname ?? "localhost")],
    endpoints: [],
    listens: [listenClaim(settings, CONFIG_PATH)],
  }),
  render: (settings, stack) => {
    const web = webConfigFiles(
      "node",
      "node-exporter",
      settings.web,
      "/etc/stackmon/node-exporter",
      CONFIG_PATH,
      stack,
    );
    const systemd = settings.systemd_collector && stack.target.platform === "systemd";
    return {
      files: [...web.files],
      directories: web.files.length
        ? [{ path: "/etc/stackmon/node-exporter", mode: 0o750, owner: "root", group: "node-exporter" }]
        : [],
      users: [{ name: "node-exporter", group: "node-exporter", supplementaryGroups: [], create: true }],
      packages: [{ binary: nodeExporterBinary }],
      service: {
        id: "node",
        unit: "prometheus-node-exporter.service",
        description: "Prometheus node exporter (stackmon)",
        user: "node-exporter",
        group: "node-exporter",
        binary: nodeExporterBinary,
        args: [
          `--web.listen-address=${formatListen(listenOf(settings))}`,
          `--collector.filesystem.mount-points-exclude=${settings.mount_points_exclude}`,
          // Debian's build turns it on by default; without systemd it could only fail.
          ...(systemd
            ? ["--collector.systemd", "--collector.systemd.enable-restarts-metrics"]
            : ["--no-collector.systemd"]),
          ...web.args,
        ],
        environment: {},
        listen: listenOf(settings),
        readinessPath: "/metrics",
        scheme: settings.web.tls ? "https" : "http",
        reload: { kind: "restart" },
        // It describes the host, so the sandbox must not change what it sees (docs/install.md,
        // "Hardening"): /proc and /sys widely, every mount point (/home included) as PID 1 has
        // them, the clock's state, network devices over netlink. Its own user namespace makes up
        // for part of what that opens.
        hardening: hardening({
          procSubsetPid: false,
          protectProc: "default",
          readsClock: true,
          netlink: true,
          privateUsers: true,
          protectHome: "read-only",
        }),
        after: [],
      },
    };
  },
});

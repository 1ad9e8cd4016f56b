// The blackbox exporter: websites up, fast and with a valid certificate; TCP ports; ICMP.
import { z } from "zod";
import {
  duration,
  endpointSettings,
  refineExposure,
  formatListen,
  httpUrl,
  reachableAddress,
} from "../../config/schemaParts.js";
import type { ScrapeJob } from "../../render/desiredState.js";
import { blackboxAlerts } from "./alerts.js";
import { defineComponent } from "../component.js";
import { GO_PROCESS_METRICS, hardening } from "../shared/hardening.js";
import { upstreamBinary } from "../shared/upstreamBinary.js";
import { listenClaim, listenOf, localScrapeJob, scrapeAuth, webConfigFiles } from "../shared/endpoint.js";
import { BLACKBOX_MODULES, renderBlackboxConfig } from "./blackboxConfig.js";

const CONFIG_PATH = ["exporters", "blackbox"] as const;

const httpTarget = z.strictObject({
  url: httpUrl,
  /** A short name shown in alerts and dashboards (label `site`); defaults to the URL's host. */
  name: z.string().min(1).optional(),
  /** Watch the certificate's expiry (https URLs only; on by default). */
  tls_expiry: z.boolean().default(true),
});

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:/]+):\d{1,5}$/, 'must be "host:port"');

const settingsSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    ...endpointSettings(9115),
    /** Websites: availability, response time, status code and certificate expiry. */
    targets: z.array(httpTarget).default([]),
    /** TCP ports that must accept connections. */
    tcp_targets: z
      .array(z.strictObject({ address: hostPort, name: z.string().min(1).optional() }))
      .default([]),
    /** Hosts that must answer ping (needs CAP_NET_RAW, granted only when this list is not empty). */
    icmp_targets: z
      .array(z.strictObject({ host: z.string().min(1), name: z.string().min(1).optional() }))
      .default([]),
    /** Per-probe timeout inside the exporter; keep below the scrape timeout. */
    probe_timeout: duration().default("10s"),
  })
  .superRefine((s, ctx) => {
    refineExposure(s, ctx);
    const seen = new Set<string>();
    s.targets.forEach((t, i) => {
      if (seen.has(t.url))
        ctx.addIssue({ code: "custom", path: ["targets", i, "url"], message: "listed twice" });
      seen.add(t.url);
    });
  })
  .prefault({});
type BlackboxSettings = z.infer<typeof settingsSchema>;

export const blackboxBinary = upstreamBinary({
  debianName: "prometheus-blackbox-exporter",
  upstreamName: "blackbox_exporter",
  dnfPackage: "golang-github-prometheus-blackbox-exporter",
  minVersion: "0.23.0",
  releaseVersion: "0.25.0",
});

export const blackbox = defineComponent({
  id: "blackbox",
  title: "Blackbox exporter",
  // Probes go out from the server, or from a host whose own entry sets targets to probe.
  placement: { role: "server", elsewhere: "when-set-on-host" },
  configPath: CONFIG_PATH,
  schema: settingsSchema,
  example: `enabled: true
targets:                      # websites: availability, response time, certificate expiry
  - url: https://shop.example.com
    name: shop                # shown in alerts (default: the URL's host)
  - url: http://intranet.example.com/health
tcp_targets:
  - address: db.example.com:5432
icmp_targets:
  - host: gateway.example.com
`,
  alerts: blackboxAlerts,
  dashboards: {
    uids: ["stackmon-websites"],
    load: async () => (await import("./dashboards.js")).blackboxDashboards,
    thresholds: async () => (await import("./dashboards.js")).BLACKBOX_THRESHOLDS,
  },
  contribute: (settings, global) => ({
    scrapeJobs: [
      localScrapeJob("blackbox", "blackbox", settings, CONFIG_PATH, global.hostname ?? "localhost"),
      ...probeJobs(settings),
    ],
    endpoints: [],
    listens: [listenClaim(settings, CONFIG_PATH)],
  }),
  render: (settings, stack) => {
    const configFile = "/etc/stackmon/blackbox-exporter/blackbox.yml";
    const web = webConfigFiles(
      "blackbox",
      "blackbox-exporter",
      settings.web,
      "/etc/stackmon/blackbox-exporter",
      CONFIG_PATH,
      stack,
    );
    const icmp = settings.icmp_targets.length > 0;
    return {
      files: [
        {
          path: configFile,
          content: renderBlackboxConfig(settings.probe_timeout),
          mode: 0o644,
          owner: "root",
          group: "blackbox-exporter",
          consumers: [{ service: "blackbox", onChange: "reload" }],
          validate: { binary: blackboxBinary, args: ["--config.check", "--config.file={file}"], order: 10 },
        },
        ...web.files,
      ],
      directories: [
        { path: "/etc/stackmon/blackbox-exporter", mode: 0o750, owner: "root", group: "blackbox-exporter" },
      ],
      users: [
        { name: "blackbox-exporter", group: "blackbox-exporter", supplementaryGroups: [], create: true },
      ],
      packages: [{ binary: blackboxBinary }],
      service: {
        id: "blackbox",
        unit: "prometheus-blackbox-exporter.service",
        description: "Prometheus blackbox exporter (stackmon)",
        user: "blackbox-exporter",
        group: "blackbox-exporter",
        binary: blackboxBinary,
        args: [
          `--config.file=${stack.path(configFile)}`,
          `--web.listen-address=${formatListen(listenOf(settings))}`,
          ...web.args,
        ],
        environment: {},
        listen: listenOf(settings),
        readinessPath: "/-/healthy",
        scheme: settings.web.tls ? "https" : "http",
        reload: { kind: "signal", signal: "SIGHUP" },
        hardening: hardening({ ...GO_PROCESS_METRICS, capabilities: icmp ? ["CAP_NET_RAW"] : [] }),
        after: [],
      },
    };
  },
});

/** One job per probe kind; the target travels as ?target=, the exporter is the address. */
function probeJobs(settings: BlackboxSettings): ScrapeJob[] {
  const exporter = reachableAddress(listenOf(settings));
  const job = (jobName: string, module: string, targets: { target: string; name: string }[]): ScrapeJob => ({
    jobName,
    metricsPath: "/probe",
    params: { module: [module] },
    ...scrapeAuth("blackbox", settings, CONFIG_PATH),
    staticConfigs: targets.map(({ target, name }) => ({ targets: [target], labels: { site: name } })),
    relabelConfigs: [
      { source_labels: ["__address__"], target_label: "__param_target" },
      { source_labels: ["__param_target"], target_label: "instance" },
      { target_label: "__address__", replacement: exporter },
    ],
  });
  const http = settings.targets.map((t) => ({ target: t.url, name: t.name ?? new URL(t.url).host }));
  const tls = settings.targets
    .filter((t) => t.tls_expiry && t.url.startsWith("https:"))
    .map((t) => ({ target: t.url, name: t.name ?? new URL(t.url).host }));
  const tcp = settings.tcp_targets.map((t) => ({ target: t.address, name: t.name ?? t.address }));
  const icmp = settings.icmp_targets.map((t) => ({ target: t.host, name: t.name ?? t.host }));
  return [
    ...(http.length ? [job("blackbox_http", BLACKBOX_MODULES.http, http)] : []),
    ...(tls.length ? [job("blackbox_tls", BLACKBOX_MODULES.tlsExpiry, tls)] : []),
    ...(tcp.length ? [job("blackbox_tcp", BLACKBOX_MODULES.tcp, tcp)] : []),
    ...(icmp.length ? [job("blackbox_icmp", BLACKBOX_MODULES.icmp, icmp)] : []),
  ];
}

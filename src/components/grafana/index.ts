// Grafana: installed from Grafana's own repositories, configured with secure defaults, its
// datasources and the stack's dashboards provisioned from files. The package's unit is kept and
// extended by a drop-in; provisioning changes are reloaded through Grafana's API.
import { z } from "zod";
import {
  endpointSettings,
  formatListen,
  refineExposure,
  secretReference,
  secretRefFrom,
} from "../../config/schemaParts.js";
import type {
  DirectorySpec,
  Endpoint,
  FileSpec,
  ProvisioningStep,
  SecretRef,
} from "../../render/desiredState.js";
import { defineComponent, type DashboardSpec, type SettingsIssue, type StackContext } from "../component.js";
import { listenClaim, listenOf, localScrapeJob, scrapeJobFor } from "../shared/endpoint.js";
import {
  ALERTMANAGER_DATASOURCE_UID,
  GRAFANA_FOLDER,
  PROMETHEUS_DATASOURCE_UID,
  STORAGE_DATASOURCE_UID,
  withDatasourceDefault,
} from "../shared/grafanaDatasources.js";
import { hardening } from "../shared/hardening.js";
import {
  dashboardOverridesSchema,
  extraDashboardsSchema,
  loadDashboards,
  NO_DASHBOARD_FILES,
  type LoadedDashboards,
} from "./dashboardSources.js";
import { renderGrafanaIni } from "./grafanaIni.js";
import { GRAFANA_HOME, grafanaBinary, grafanaRepository } from "./grafanaPackage.js";
import {
  dashboardFileText,
  renderDashboardProvider,
  renderDatasources,
  type DatasourceCredentials,
  type ProvisionedDatasource,
} from "./provisioning.js";
import { copiedPasswordStep, generatedPasswordStep } from "./secretSteps.js";
import { grafanaAlertingSecrets, renderGrafanaAlerting } from "../../alerting/grafanaAlerting.js";

const CONFIG_PATH = ["grafana"] as const;

const CONFIG_FILE = "/etc/grafana/grafana.ini";
/** The package's unit reads its paths from here; stackmon's drop-in points it here on RHEL too. */
const ENV_FILE = "/etc/default/grafana-server";
const PROVISIONING_DIR = "/etc/grafana/provisioning";
const DASHBOARD_DIR = "/etc/grafana/dashboards/stackmon";
/** Outside /etc/grafana, whose modes the package resets on every upgrade. */
const SECRETS_DIR = "/etc/stackmon/grafana";
const ADMIN_PASSWORD_FILE = `${SECRETS_DIR}/admin.password`;
const METRICS_PASSWORD_FILE = `${SECRETS_DIR}/metrics.password`;
const DATA_DIR = "/var/lib/grafana";
const LOG_DIR = "/var/log/grafana";

/** What Grafana re-reads without a restart; apply asks for it after these files change. */
const RELOAD_PATHS = [
  "/api/admin/provisioning/datasources/reload",
  "/api/admin/provisioning/dashboards/reload",
];
/** Also re-read when Grafana evaluates the alerts. */
const ALERTING_RELOAD_PATH = "/api/admin/provisioning/alerting/reload";

const settingsSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** web.tls: Grafana serves HTTPS; web.basic_auth protects its /metrics (the UI has its own login). */
    ...endpointSettings(3000),
    /** The URL people open Grafana at (default: alerting.grafana_url, else Grafana's own). */
    root_url: z.url().optional(),
    admin_user: z
      .string()
      .regex(/^[A-Za-z0-9._@-]{1,64}$/, "must be 1 to 64 letters, digits, . _ @ or -")
      .default("admin"),
    /** Without either, apply makes a random one on the host (see docs/grafana.md). */
    admin_password_file: secretReference.file,
    admin_password_env: secretReference.env,
    /** Dashboard JSON files, or folders of them, added to the stackmon folder. */
    extra_dashboards: extraDashboardsSchema,
    /** Per dashboard uid: enabled: false leaves it out, file: puts that JSON in its place. */
    dashboards: dashboardOverridesSchema,
  })
  .superRefine((s, ctx) => {
    refineExposure(s, ctx);
    if (s.admin_password_file !== undefined && s.admin_password_env !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["admin_password_file"],
        message: "set one of admin_password_file and admin_password_env (or neither for a generated one)",
      });
  })
  // The dashboard files are read while the config loads (loadFiles), not by the schema.
  .transform((s) => ({ ...s, loaded: NO_DASHBOARD_FILES }))
  .prefault({});
type GrafanaSettings = z.infer<typeof settingsSchema>;

export const grafana = defineComponent({
  id: "grafana",
  title: "Grafana",
  // The monitoring server's own part of a fleet.
  placement: { role: "server", elsewhere: "never" },
  configPath: CONFIG_PATH,
  schema: settingsSchema,
  example: `enabled: true                 # from Grafana's own repository (see docs/grafana.md)
listen_address: 127.0.0.1:3000
root_url: https://grafana.example.com/
admin_password_file: /etc/stackmon/secrets/grafana-admin.password   # else generated on the host
# extra_dashboards: [/etc/stackmon/dashboards]    # your own dashboard JSON, files or folders
# dashboards:
#   stackmon-node: {enabled: false}               # leave out one of the stack's dashboards
`,
  loadFiles: (settings, files, issue) =>
    settings.enabled
      ? { ...settings, loaded: loadDashboards(files, settings, (path, message) => issue({ path, message })) }
      : settings,
  check: (settings, stack) => dashboardFileIssues(settings.loaded, stack.dashboardUids),
  contribute: (settings, global) => ({
    scrapeJobs: [localScrapeJob("grafana", "grafana", settings, CONFIG_PATH, global.hostname ?? "localhost")],
    endpoints: [{ role: "grafana", url: localUrl(settings) }],
    listens: [listenClaim(settings, CONFIG_PATH)],
  }),
  render: (settings, stack) => {
    const adminSecret = secretRefFrom(settings.admin_password_file, settings.admin_password_env, [
      ...CONFIG_PATH,
      "admin_password",
    ]);
    const datasources = provisionedDatasources(stack);
    return {
      files: [...configFiles(settings, stack, datasources), ...secretFiles(settings, adminSecret)],
      directories: DIRECTORIES,
      users: [{ name: "grafana", group: "grafana", supplementaryGroups: [], create: true }],
      packages: [{ binary: grafanaBinary, repository: grafanaRepository }],
      service: {
        id: "grafana",
        unit: "grafana-server.service",
        description: "Grafana (stackmon)",
        user: "grafana",
        group: "grafana",
        binary: grafanaBinary,
        args: ["server", `--homepath=${GRAFANA_HOME}`, `--config=${stack.path(CONFIG_FILE)}`],
        environment: {},
        environmentFile: ENV_FILE,
        listen: listenOf(settings),
        readinessPath: "/api/health",
        scheme: settings.web.tls ? "https" : "http",
        reload: {
          kind: "http",
          method: "POST",
          paths: [...RELOAD_PATHS, ...(stack.alerting.engine === "grafana" ? [ALERTING_RELOAD_PATH] : [])],
          basicAuth: { username: settings.admin_user, passwordFile: ADMIN_PASSWORD_FILE },
        },
        // As Grafana's own unit: plugins it starts may need writable executable memory.
        hardening: hardening({ memoryDenyWriteExecute: false, readWritePaths: [DATA_DIR, LOG_DIR] }),
        after: [],
        optional: true,
        packagedUnit: true,
        provisioning: [
          ...(adminSecret
            ? []
            : [generatedPasswordStep(stack.path(ADMIN_PASSWORD_FILE), ADMIN_PASSWORD_FILE, stack.target)]),
          ...datasources.flatMap((d) => (d.copyStep ? [d.copyStep] : [])),
        ],
      },
    };
  },
});

const DIRECTORIES: readonly DirectorySpec[] = [
  { path: "/etc/grafana", mode: 0o755, owner: "root", group: "root" },
  { path: PROVISIONING_DIR, mode: 0o755, owner: "root", group: "grafana" },
  // alerting/ is where Grafana-managed alert rules and contact points are provisioned.
  ...["alerting", "dashboards", "datasources", "plugins"].map((sub) => ({
    path: `${PROVISIONING_DIR}/${sub}`,
    mode: 0o755,
    owner: "root",
    group: "grafana",
  })),
  { path: "/etc/grafana/dashboards", mode: 0o755, owner: "root", group: "grafana" },
  { path: DASHBOARD_DIR, mode: 0o755, owner: "root", group: "grafana" },
  { path: SECRETS_DIR, mode: 0o750, owner: "root", group: "grafana" },
  // As the package leaves them; its upgrades reset these modes.
  { path: DATA_DIR, mode: 0o755, owner: "grafana", group: "grafana" },
  { path: LOG_DIR, mode: 0o755, owner: "grafana", group: "grafana" },
];

const RESTART = [{ service: "grafana", onChange: "restart" as const }];
const RELOAD = [{ service: "grafana", onChange: "reload" as const }];

/** Grafana reads them; the package gives everything under /etc/grafana these modes. */
function grafanaFile(path: string, content: FileSpec["content"], consumers: FileSpec["consumers"]): FileSpec {
  return { path, content, mode: 0o640, owner: "root", group: "grafana", consumers };
}

/** grafana.ini, the environment file, the provisioning files and the dashboards. */
function configFiles(
  settings: GrafanaSettings,
  stack: StackContext,
  datasources: readonly DatasourcePlan[],
): FileSpec[] {
  const { tls, basic_auth: metricsAuth } = settings.web;
  const rootUrl = settings.root_url ?? stack.alerting.grafana_url;
  const ini = renderGrafanaIni({
    listen: listenOf(settings),
    ...(tls ? { tls: { certFile: tls.cert_file, keyFile: tls.key_file } } : {}),
    ...(rootUrl !== undefined ? { rootUrl } : {}),
    adminUser: settings.admin_user,
    adminPasswordFile: stack.path(ADMIN_PASSWORD_FILE),
    ...(metricsAuth
      ? { metricsAuth: { username: metricsAuth.username, passwordFile: stack.path(METRICS_PASSWORD_FILE) } }
      : {}),
    paths: {
      data: stack.path(DATA_DIR),
      logs: stack.path(LOG_DIR),
      plugins: stack.path(`${DATA_DIR}/plugins`),
      provisioning: stack.path(PROVISIONING_DIR),
    },
  });
  return [
    grafanaFile(CONFIG_FILE, ini, RESTART),
    grafanaFile(ENV_FILE, environmentFile(stack), RESTART),
    grafanaFile(
      `${PROVISIONING_DIR}/datasources/stackmon.yaml`,
      renderDatasources(datasources.map((d) => d.datasource)),
      RELOAD,
    ),
    grafanaFile(
      `${PROVISIONING_DIR}/dashboards/stackmon.yaml`,
      renderDashboardProvider(stack.path(DASHBOARD_DIR)),
      RELOAD,
    ),
    ...dashboardsOf(settings, stack).map((d) =>
      grafanaFile(`${DASHBOARD_DIR}/${d.uid}.json`, dashboardFileText(d.uid, d.json), RELOAD),
    ),
    ...(stack.alerting.engine === "grafana"
      ? [
          grafanaFile(
            `${PROVISIONING_DIR}/alerting/stackmon.yaml`,
            renderGrafanaAlerting({
              alerting: stack.alerting,
              alerts: stack.alerts,
              hosts: stack.hosts,
              prometheusUid: PROMETHEUS_DATASOURCE_UID,
              folderUid: GRAFANA_FOLDER,
              evaluationInterval: stack.global.evaluation_interval,
            }),
            RELOAD,
          ),
        ]
      : []),
  ];
}

/** The configured admin password and the /metrics password (Prometheus writes its own copy). */
function secretFiles(settings: GrafanaSettings, adminSecret: SecretRef | undefined): FileSpec[] {
  const auth = settings.web.basic_auth;
  const metricsSecret = auth
    ? secretRefFrom(auth.password_file, auth.password_env, [...CONFIG_PATH, "web", "basic_auth", "password"])
    : undefined;
  const raw = (secret: SecretRef) => ({ template: [{ secret, as: "raw" as const }] });
  return [
    // Grafana's database keeps the password it was created with: a new one here changes nothing
    // for Grafana itself, only what apply logs in with.
    ...(adminSecret ? [grafanaFile(ADMIN_PASSWORD_FILE, raw(adminSecret), [])] : []),
    ...(metricsSecret ? [grafanaFile(METRICS_PASSWORD_FILE, raw(metricsSecret), RESTART)] : []),
  ];
}

/** How this host reaches Grafana (0.0.0.0 → 127.0.0.1). */
function localUrl(settings: GrafanaSettings): string {
  const listen = listenOf(settings);
  const host = listen.host === "0.0.0.0" ? "127.0.0.1" : listen.host === "::" ? "::1" : listen.host;
  return `${settings.web.tls ? "https" : "http"}://${formatListen({ host, port: listen.port })}`;
}

/**
 * The variables the package's unit expands in its ExecStart (the Debian and RHEL packages read
 * the same ones), and with Grafana as the alerting engine the Mattermost webhook URLs its contact
 * points read from the environment (the file is 0640 root:grafana). Other secrets are not here:
 * Grafana reads each from its own file.
 */
function environmentFile(stack: StackContext): FileSpec["content"] {
  const variables: [string, string][] = [
    ["GRAFANA_USER", "grafana"],
    ["GRAFANA_GROUP", "grafana"],
    ["GRAFANA_HOME", GRAFANA_HOME],
    ["LOG_DIR", stack.path(LOG_DIR)],
    ["DATA_DIR", stack.path(DATA_DIR)],
    ["MAX_OPEN_FILES", "10000"],
    ["CONF_DIR", stack.path("/etc/grafana")],
    ["CONF_FILE", stack.path(CONFIG_FILE)],
    // An upgraded package restarts Grafana, so the new version runs at once on this config.
    ["RESTART_ON_UPGRADE", "true"],
    ["PLUGINS_DIR", stack.path(`${DATA_DIR}/plugins`)],
    ["PROVISIONING_CFG_DIR", stack.path(PROVISIONING_DIR)],
    ["PID_FILE_DIR", "/var/run/grafana"],
  ];
  const text = [
    "# Rendered by stackmon; edits are overwritten on the next apply.",
    ...variables.map(([key, value]) => `${key}=${value}`),
    "",
  ].join("\n");
  const webhooks = stack.alerting.engine === "grafana" ? grafanaAlertingSecrets(stack.alerting) : [];
  if (webhooks.length === 0) return text;
  return {
    template: [
      text,
      ...webhooks.flatMap(({ name, secret }) => [`${name}=`, { secret, as: "raw" as const }, "\n"]),
    ],
  };
}

interface DatasourcePlan {
  readonly datasource: ProvisionedDatasource;
  readonly copyStep?: ProvisioningStep;
}

/**
 * A datasource for an endpoint of the stack. A protected one is queried the way Prometheus
 * scrapes it: the same user, with Grafana's own copy of the password, and no certificate check on
 * this host's own loopback endpoint.
 */
function datasourceFor(
  stack: StackContext,
  endpoint: Endpoint,
  base: Omit<ProvisionedDatasource, "url" | "basicAuth">,
): DatasourcePlan {
  const job = scrapeJobFor(stack, endpoint);
  const insecure = job?.tlsConfig?.["insecure_skip_verify"] === true;
  const jsonData = { ...base.jsonData, ...(insecure ? { tlsSkipVerify: true } : {}) };
  // Another host of the fleet: its certificate is checked against the fleet's CA, as Prometheus does.
  const trust = job?.trust
    ? { caFile: stack.path(job.trust.caFile), serverName: job.trust.serverName }
    : undefined;
  if (!job?.basicAuth)
    return { datasource: { ...base, url: endpoint.url, jsonData, ...(trust ? { trust } : {}) } };
  const copy = `${SECRETS_DIR}/${endpoint.role}.password`;
  const credentials: DatasourceCredentials = {
    username: job.basicAuth.username,
    passwordFile: stack.path(copy),
  };
  return {
    datasource: { ...base, url: endpoint.url, jsonData, basicAuth: credentials, ...(trust ? { trust } : {}) },
    copyStep: copiedPasswordStep(
      `grafana-credentials-${endpoint.role}`,
      `the password its ${base.name} datasource logs in with`,
      { hostPath: job.basicAuth.passwordFile, path: stack.path(job.basicAuth.passwordFile) },
      stack.path(copy),
      stack.target,
    ),
  };
}

function provisionedDatasources(stack: StackContext): DatasourcePlan[] {
  const byRole = (role: string) => stack.endpoints.find((e) => e.role === role);
  const prometheus = byRole("prometheus");
  const alertmanager = byRole("alertmanager");
  const storage = byRole("storage");
  // $__rate_interval is built from timeInterval; without it Grafana assumes 15s.
  const promql = { httpMethod: "POST", timeInterval: stack.global.scrape_interval };
  return [
    ...(prometheus
      ? [
          datasourceFor(stack, prometheus, {
            name: "Prometheus",
            type: "prometheus",
            uid: PROMETHEUS_DATASOURCE_UID,
            // With long-term storage, dashboards read history from it; Prometheus keeps its days.
            isDefault: storage === undefined,
            jsonData: promql,
          }),
        ]
      : []),
    ...(storage
      ? [
          datasourceFor(stack, storage, {
            name: "Long-term storage",
            type: "prometheus",
            uid: STORAGE_DATASOURCE_UID,
            isDefault: true,
            jsonData: promql,
          }),
        ]
      : []),
    ...(alertmanager
      ? [
          datasourceFor(stack, alertmanager, {
            name: "Alertmanager",
            type: "alertmanager",
            uid: ALERTMANAGER_DATASOURCE_UID,
            isDefault: false,
            jsonData: { implementation: "prometheus" },
          }),
        ]
      : []),
  ];
}

/**
 * An override must name one of the stack's dashboards, and an extra dashboard must not take the
 * uid of one: each is an error at its key.
 */
function dashboardFileIssues(loaded: LoadedDashboards, stackUids: readonly string[]): SettingsIssue[] {
  const issues: SettingsIssue[] = [];
  for (const uid of Object.keys(loaded.overrides)) {
    if (!stackUids.includes(uid))
      issues.push({
        path: ["dashboards", uid],
        atKey: true,
        message: `the stack has no dashboard with uid "${uid}" (it has: ${stackUids.join(", ")})`,
        hint: "grafana.extra_dashboards adds a dashboard of your own",
      });
  }
  for (const dashboard of loaded.extra) {
    if (stackUids.includes(dashboard.uid))
      issues.push({
        path: ["extra_dashboards", dashboard.index],
        message: `${dashboard.file} has the uid of the stack's dashboard "${dashboard.uid}"`,
        hint: `to replace that dashboard, use grafana.dashboards.${dashboard.uid}.file`,
      });
  }
  return issues;
}

/** The stack's dashboards with the overrides applied (validated: see dashboardFileIssues), plus the extra ones. */
function dashboardsOf(
  settings: GrafanaSettings,
  stack: StackContext,
): { uid: string; json: DashboardSpec["json"] }[] {
  const { extra, overrides } = settings.loaded;
  const storage = stack.endpoints.some((e) => e.role === "storage");
  const own = stack.dashboards.flatMap((d) => {
    const override = overrides[d.uid];
    if (override?.enabled === false) return [];
    if (override?.dashboard) return [{ uid: d.uid, json: override.dashboard.json }];
    return [{ uid: d.uid, json: storage ? withDatasourceDefault(d.json, STORAGE_DATASOURCE_UID) : d.json }];
  });
  return [...own, ...extra.map((d) => ({ uid: d.uid, json: d.json }))].sort((a, b) =>
    a.uid.localeCompare(b.uid),
  );
}

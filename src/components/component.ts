// What a component is: one object that declares everything about itself. The core composes
// components through this interface only and never names one.
import type { z } from "zod";
import type {
  DirectorySpec,
  Endpoint,
  FileSpec,
  Listen,
  PackageSpec,
  ScrapeJob,
  ServiceSpec,
  UserSpec,
} from "../render/desiredState.js";
import type { GlobalSettings } from "../config/globalSchema.js";
import type { ConfigPath } from "../config/configError.js";
import type { ConfigFiles } from "../config/configFiles.js";
import type { AlertDefinition, ResolvedAlert, Severity, ThresholdUnit } from "../alerting/alertRule.js";
import type { AlertingSettings } from "../alerting/alertingSettings.js";
import type { LabelledHost } from "../alerting/selector.js";
import type { Role } from "../fleet/inventory.js";

export type { Endpoint };

/** Where rendered files will live and how services will run. */
export interface RenderTarget {
  /** Prefix baked into paths inside rendered files: "" on a host, the work directory for `up`. */
  readonly root: string;
  /** A systemd host (render, apply) or supervised child processes (`up`). */
  readonly platform: "systemd" | "supervisor";
}

/** A port a component binds, with the config key that chose it (for collision errors). */
export interface ListenClaim {
  readonly listen: Listen;
  readonly configPath: ConfigPath;
}

/** Phase 1: what a component offers the rest of the stack, before anything is rendered. */
export interface Contribution {
  readonly scrapeJobs: readonly ScrapeJob[];
  readonly endpoints: readonly Endpoint[];
  readonly listens: readonly ListenClaim[];
}

/** Everything a component sees in phase 2: the whole stack's contributions, sorted. */
export interface StackContext {
  readonly global: GlobalSettings;
  readonly target: RenderTarget;
  /** Every enabled component's scrape jobs, sorted by job name. */
  readonly scrapeJobs: readonly ScrapeJob[];
  readonly endpoints: readonly Endpoint[];
  /** The `alerting` section: engine, Mattermost routes, grouping. */
  readonly alerting: AlertingSettings;
  /** Every enabled alert of the stack, overrides applied, sorted by component and name. */
  readonly alerts: readonly ResolvedAlert[];
  /** The fleet's hosts and their labels (this host alone without an inventory), for routing. */
  readonly hosts: readonly LabelledHost[];
  /** Every enabled component's dashboards, sorted by uid (empty while they are being built). */
  readonly dashboards: readonly DashboardSpec[];
  /** Prefix a host path with the render target's root. */
  readonly path: (hostPath: string) => string;
}

/**
 * A Grafana dashboard a component offers, as the JSON a file provider loads. Built from the
 * stack, so that its thresholds are the alert catalog's.
 */
export interface DashboardSpec {
  /** Stable uid: links and bookmarks survive every re-render. */
  readonly uid: string;
  readonly title: string;
  readonly json: Readonly<Record<string, unknown>>;
  /**
   * For the overview's health tile: an instant PromQL expression that is 1 when the component is
   * healthy and 0 when not (e.g. `min(up{job="node"})`).
   */
  readonly health?: string;
}

/** Phase 2: the component's own files, directories, users, packages and service. */
export interface ComponentOutput {
  readonly files: readonly FileSpec[];
  readonly directories: readonly DirectorySpec[];
  readonly users: readonly UserSpec[];
  readonly packages: readonly PackageSpec[];
  readonly service?: ServiceSpec;
  /**
   * For a component that runs one process per something (the PM2 exporter: one per user), in
   * place of `service`; their ids are "<component id>@<what>" (see renderFleet's certificates).
   */
  readonly services?: readonly ServiceSpec[];
}

/**
 * Which hosts of a fleet run a component: hosts with the role, and others only when their own
 * entry under `hosts:` asks for it ("when-set-on-host") or never.
 */
export interface RolePlacement {
  readonly role: Role;
  readonly elsewhere: "never" | "when-set-on-host";
  /**
   * The servers reach it over the network (they write to it, Grafana reads it, Prometheus scrapes
   * it): on its hosts it listens on the host's address with TLS and basic auth, like an exporter.
   */
  readonly exposed?: boolean;
  /**
   * With two or more hosts of the role, they reach each other's (a Prometheus pair scrapes both
   * Prometheus, every Prometheus sends to every Alertmanager): then it is exposed like above.
   */
  readonly peers?: boolean;
}

/** Builds a component's dashboards from its settings and the stack. */
export type DashboardBuilder<S> = (settings: S, stack: StackContext) => readonly DashboardSpec[];

/** An alert's threshold as a dashboard uses it: which alert, in which unit, and the default. */
export interface AlertThresholdRef {
  readonly alert: string;
  readonly severity?: Severity;
  /** The unit the panel shows the threshold in. */
  readonly unit: ThresholdUnit;
  /** The documented default, used while the catalog has no such enabled alert. */
  readonly fallback: number;
}

/**
 * A component's dashboards: their uids, known without building them (validate checks the
 * overrides that name one), and their module, loaded only by what renders (render.ts): a config
 * is validated without the dashboards' code.
 */
export interface ComponentDashboards<S> {
  readonly uids: readonly string[];
  readonly load: () => Promise<DashboardBuilder<S>>;
  /** The alert thresholds its panels draw, by what each shows: checked against the catalog. */
  readonly thresholds: () => Promise<Readonly<Record<string, AlertThresholdRef>>>;
}

/** A problem with a component's settings; its path is under the component's own config path. */
export interface SettingsIssue {
  readonly path: ConfigPath;
  readonly message: string;
  readonly hint?: string;
  /** The problem is the key itself (e.g. a uid that names nothing): shown at the key. */
  readonly atKey?: boolean;
}

/** What a component's settings are checked against at validation: the rest of the stack. */
export interface StackFacts {
  /** Every dashboard the stack builds (its components' and the overview), by uid, sorted. */
  readonly dashboardUids: readonly string[];
}

export interface ComponentDefinition<S extends { readonly enabled: boolean }> {
  /** Stable id: "prometheus", "node", "pm2". */
  readonly id: string;
  readonly title: string;
  /** Where it runs in a fleet; absent: on every host (an exporter of the host itself). */
  readonly placement?: RolePlacement;
  /** Where its settings live in stackmon.yml, e.g. ["exporters", "node"]. */
  readonly configPath: readonly [string, ...string[]];
  /** Its settings, with defaults; unknown keys are errors. */
  readonly schema: z.ZodType<S>;
  /**
   * Its settings as a person writes them to use it (YAML under its config path, comments
   * welcome): `stackmon init` shows it, and the "full" golden config and the tests that need
   * every component are made of the components' examples.
   */
  readonly example: string;
  /** Its alert catalog; each alert is tunable under alerting.rules.<name>. */
  readonly alerts?: readonly AlertDefinition[];
  /** Its Grafana dashboards; thresholds come from `stack.alerts`. */
  readonly dashboards?: ComponentDashboards<S>;
  /**
   * Reads the files its settings name (dashboard JSON) while the config loads, through `files`:
   * a missing or broken file is a config error at its key, and neither the schema nor render
   * reads the disk. Returns the settings render sees.
   */
  loadFiles?(settings: S, files: ConfigFiles, issue: (problem: SettingsIssue) => void): S;
  /** Its settings checked against the rest of the stack, at validation (render never refuses). */
  check?(settings: S, stack: StackFacts): readonly SettingsIssue[];
  contribute(settings: S, global: GlobalSettings, target: RenderTarget): Contribution;
  render(settings: S, stack: StackContext): ComponentOutput;
}

/** A component with its settings type erased, as the registry holds it. */
export interface Component {
  readonly id: string;
  readonly title: string;
  readonly placement?: RolePlacement;
  readonly configPath: readonly [string, ...string[]];
  readonly schema: z.ZodType<{ readonly enabled: boolean }>;
  readonly example: string;
  readonly alerts: readonly AlertDefinition[];
  /** The uids of the dashboards it builds. */
  readonly dashboardUids: readonly string[];
  /** Loads its dashboards' module; `dashboards` works once this has resolved. */
  loadDashboards(): Promise<void>;
  dashboards(settings: unknown, stack: StackContext): readonly DashboardSpec[];
  /** The catalog thresholds its dashboards draw (loading their module). */
  dashboardThresholds(): Promise<Readonly<Record<string, AlertThresholdRef>>>;
  loadFiles(settings: unknown, files: ConfigFiles, issue: (problem: SettingsIssue) => void): unknown;
  check(settings: unknown, stack: StackFacts): readonly SettingsIssue[];
  contribute(settings: unknown, global: GlobalSettings, target: RenderTarget): Contribution;
  render(settings: unknown, stack: StackContext): ComponentOutput;
}

/**
 * Erases the settings type. Safe because the core only ever passes a component the value its own
 * schema produced.
 */
export function defineComponent<S extends { readonly enabled: boolean }>(
  definition: ComponentDefinition<S>,
): Component {
  let builder: DashboardBuilder<S> | undefined;
  return {
    id: definition.id,
    title: definition.title,
    ...(definition.placement ? { placement: definition.placement } : {}),
    configPath: definition.configPath,
    schema: definition.schema,
    example: definition.example,
    alerts: definition.alerts ?? [],
    dashboardUids: definition.dashboards?.uids ?? [],
    loadDashboards: async () => {
      builder ??= await definition.dashboards?.load();
    },
    dashboards: (settings, stack) => {
      if (!definition.dashboards) return [];
      if (!builder) throw new Error(`${definition.id}'s dashboards are built before they are loaded`);
      return builder(settings as S, stack);
    },
    dashboardThresholds: async () => (await definition.dashboards?.thresholds()) ?? {},
    loadFiles: (settings, files, issue) =>
      definition.loadFiles ? definition.loadFiles(settings as S, files, issue) : settings,
    check: (settings, stack) => definition.check?.(settings as S, stack) ?? [],
    contribute: (settings, global, target) => definition.contribute(settings as S, global, target),
    render: (settings, stack) => definition.render(settings as S, stack),
  };
}

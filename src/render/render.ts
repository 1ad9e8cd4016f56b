// The pure renderer: validated config + render target → desired state. No IO, no clock, no
// randomness; everything sorted, so the same input gives byte-identical output.
import type { Component, DashboardSpec, RenderTarget, StackContext } from "../components/component.js";
import { components as registry } from "../components/registry.js";
import type { StackConfig } from "../config/stackConfig.js";
import type {
  DesiredState,
  DirectorySpec,
  Endpoint,
  FileSpec,
  PackageSpec,
  ScrapeJob,
  ServiceSpec,
  UserSpec,
} from "./desiredState.js";
import { unitFile } from "./systemdUnit.js";
import { alertingSettingsOf, resolveAlerts } from "../alerting/catalog.js";
import { hostsOfConfig, type LabelledHost } from "../alerting/selector.js";
import { overviewDashboard } from "../dashboards/overview.js";
import { enabledComponents, type EnabledComponent } from "./enabledComponents.js";

// The registry's dashboards are loaded with the renderer: what renders builds them, and what only
// validates a config never imports this module.
await Promise.all(registry.map((component) => component.loadDashboards()));

export function stackContext(
  config: StackConfig,
  target: RenderTarget,
  components: readonly Component[],
  enabled: readonly EnabledComponent[],
  hosts: readonly LabelledHost[] = hostsOfConfig(config),
): StackContext {
  const contributions = enabled.map((e) => e.contribution);
  return {
    global: config.global,
    alerting: alertingSettingsOf(config),
    alerts: resolveAlerts(components, config).filter((a) => a.enabled),
    hosts,
    dashboards: [],
    target,
    scrapeJobs: contributions.flatMap((c) => c.scrapeJobs).sort((a, b) => a.jobName.localeCompare(b.jobName)),
    endpoints: contributions.flatMap((c) => c.endpoints).sort((a, b) => a.role.localeCompare(b.role)),
    path: (hostPath) => `${target.root}${hostPath}`,
  };
}

/**
 * What is known about the host that rendered files depend on, found by apply before rendering
 * (so render stays pure): where each binary is, a package's path or a release tarball's.
 */
export interface HostFacts {
  /** Binary name → absolute path of the program its unit runs. */
  readonly executables?: Readonly<Record<string, string>>;
}

/**
 * What a host of a fleet adds to its own components' render: the jobs its Prometheus scrapes on
 * other hosts (before the components render), and what it adds to or marks in the result.
 */
export interface RenderExtension {
  /** Every host of the fleet, for routing alerts by host and host group. */
  readonly hosts?: readonly LabelledHost[];
  readonly scrapeJobs?: (own: readonly ScrapeJob[]) => readonly ScrapeJob[];
  /** The endpoints its services use, its own and other hosts' (a storage host's). */
  readonly endpoints?: (own: readonly Endpoint[]) => readonly Endpoint[];
  readonly finish?: (state: DesiredState) => DesiredState;
}

export function render(
  config: StackConfig,
  target: RenderTarget,
  components: readonly Component[],
  facts: HostFacts = {},
  extension: RenderExtension = {},
): DesiredState {
  const enabled = enabledComponents(components, config, target);
  const own = stackContext(config, target, components, enabled, extension.hosts);
  const scrapeJobs = extension.scrapeJobs
    ? [...extension.scrapeJobs(own.scrapeJobs)].sort((a, b) => a.jobName.localeCompare(b.jobName))
    : own.scrapeJobs;
  const endpoints = extension.endpoints
    ? [...extension.endpoints(own.endpoints)].sort((a, b) => a.role.localeCompare(b.role))
    : own.endpoints;
  const stack = withDashboards({ ...own, scrapeJobs, endpoints }, enabled);
  const outputs = enabled.map(({ component, settings }) => component.render(settings, stack));
  const services = outputs.flatMap((o) => [...(o.service ? [o.service] : []), ...(o.services ?? [])]);
  const unitFiles =
    target.platform === "systemd" ? services.map((s) => unitFile(s, execPathOf(s, facts))) : [];
  const state: DesiredState = {
    files: uniqueBy([...outputs.flatMap((o) => o.files), ...unitFiles], (f: FileSpec) => f.path),
    directories: uniqueBy(
      outputs.flatMap((o) => o.directories),
      (d: DirectorySpec) => d.path,
    ),
    users: uniqueBy(
      outputs.flatMap((o) => o.users),
      (u: UserSpec) => u.name,
    ),
    packages: uniqueBy(
      outputs.flatMap((o) => o.packages),
      (p: PackageSpec) => p.binary.name,
    ),
    services: uniqueBy(services, (s: ServiceSpec) => s.id),
    scrapeJobs: stack.scrapeJobs,
    endpoints: stack.endpoints,
  };
  return extension.finish ? extension.finish(state) : state;
}

/**
 * Dashboards are built from the stack (thresholds), then offered to every component (Grafana).
 * The overview is built from the components' dashboards (their health) and the alert catalog.
 */
export function withDashboards(stack: StackContext, enabled: readonly EnabledComponent[]): StackContext {
  // Built when a component asks (Grafana's host): a fleet's other hosts never pay for them.
  let dashboards: readonly DashboardSpec[] | undefined;
  const build = () => {
    const own = enabled.flatMap(({ component, settings }) => component.dashboards(settings, stack));
    return [...own, overviewDashboard(own, stack)].sort((a, b) => a.uid.localeCompare(b.uid));
  };
  return {
    ...stack,
    get dashboards() {
      dashboards ??= build();
      return dashboards;
    },
  };
}

/** Where the unit's ExecStart points: as found on the host, else the first (distribution) path. */
export function execPathOf(service: ServiceSpec, facts: HostFacts = {}): string {
  const found = facts.executables?.[service.binary.name];
  if (found !== undefined) return found;
  const path = service.binary.paths[0];
  if (path === undefined) throw new Error(`service ${service.id} has a binary with no path`);
  return path;
}

/**
 * Sorted by key; two different items with one key are a programming error in a component
 * (identical duplicates, such as a shared user, are merged).
 */
function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    const existing = byKey.get(k);
    if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(item)) {
      throw new Error(`two components render different ${k}`);
    }
    byKey.set(k, item);
  }
  return [...byKey.keys()].sort().map((k) => byKey.get(k) as T);
}

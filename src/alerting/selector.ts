// Which alerts an owner route or a maintenance window is about: hosts by name or by their labels,
// components, alert names, raw label matchers. Host groups are resolved against the inventory
// into `instance` names (a host's name is the instance label of everything it exports), so
// routing does not depend on a rule keeping the host's labels through its aggregation.
import { z } from "zod";
import { isLabelName, oneOf, parseLabelMatcher, type LabelMatcher } from "./labelMatcher.js";

/** A host as routing sees it: its name and the labels the inventory gives it. */
export interface LabelledHost {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

const matcherText = z.string().superRefine((text, ctx) => {
  const parsed = parseLabelMatcher(text);
  if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
});

const nameList = z.array(z.string().min(1)).min(1);

/** The keys that select alerts; every key given must match (a list matches any of its items). */
export const selectorShape = {
  /** Hosts of the inventory, by name. */
  hosts: nameList.optional(),
  /** Hosts whose inventory labels have all of these values (a host group, e.g. {team: db}). */
  host_labels: z
    .record(z.string().refine(isLabelName, { message: "must be a label name" }), z.string().min(1))
    .refine((labels) => Object.keys(labels).length > 0, { message: "must name at least one label" })
    .optional(),
  /** Components by id (mysql, node, blackbox, ...): their alerts carry it as `component`. */
  components: nameList.optional(),
  /** Alert names, as `stackmon alerts` lists them. */
  alerts: nameList.optional(),
  /** Label matchers: label=value, label!=value, label=~regex, label!~regex. */
  matchers: z.array(matcherText).min(1).optional(),
};

export const SELECTOR_KEYS = ["hosts", "host_labels", "components", "alerts", "matchers"] as const;

export interface SelectorSettings {
  readonly hosts?: readonly string[] | undefined;
  readonly host_labels?: Readonly<Record<string, string>> | undefined;
  readonly components?: readonly string[] | undefined;
  readonly alerts?: readonly string[] | undefined;
  readonly matchers?: readonly string[] | undefined;
}

export function hasSelector(settings: SelectorSettings): boolean {
  return SELECTOR_KEYS.some((key) => settings[key] !== undefined);
}

/**
 * A resolved selector. A set that is present restricts that label to its members; absent means
 * any value. Raw matchers are kept as written.
 */
export interface Selector {
  readonly hosts?: ReadonlySet<string>;
  readonly components?: ReadonlySet<string>;
  readonly alerts?: ReadonlySet<string>;
  readonly matchers: readonly LabelMatcher[];
}

export const ANYTHING: Selector = { matchers: [] };

/** The hosts that have every one of these labels. */
export function hostsWithLabels(
  hosts: readonly LabelledHost[],
  labels: Readonly<Record<string, string>>,
): string[] {
  return hosts
    .filter((host) => Object.entries(labels).every(([key, value]) => host.labels[key] === value))
    .map((host) => host.name);
}

/** Validated settings → selector; host groups become host names. */
export function resolveSelector(settings: SelectorSettings, hosts: readonly LabelledHost[]): Selector {
  let hostSet: Set<string> | undefined = settings.hosts ? new Set(settings.hosts) : undefined;
  if (settings.host_labels) {
    const grouped = new Set(hostsWithLabels(hosts, settings.host_labels));
    hostSet = hostSet ? intersection(hostSet, grouped) : grouped;
  }
  return {
    ...(hostSet ? { hosts: hostSet } : {}),
    ...(settings.components ? { components: new Set(settings.components) } : {}),
    ...(settings.alerts ? { alerts: new Set(settings.alerts) } : {}),
    matchers: (settings.matchers ?? []).flatMap((text) => {
      const parsed = parseLabelMatcher(text);
      return typeof parsed === "string" ? [] : [parsed];
    }),
  };
}

/**
 * What both select, or undefined when they cannot select the same alert (their host, component
 * or alert sets do not overlap). Raw matchers are never taken to exclude each other.
 */
export function intersectSelectors(a: Selector, b: Selector): Selector | undefined {
  const hosts = intersectOptional(a.hosts, b.hosts);
  const components = intersectOptional(a.components, b.components);
  const alerts = intersectOptional(a.alerts, b.alerts);
  if (hosts?.size === 0 || components?.size === 0 || alerts?.size === 0) return undefined;
  return {
    ...(hosts ? { hosts } : {}),
    ...(components ? { components } : {}),
    ...(alerts ? { alerts } : {}),
    matchers: uniqueMatchers([...a.matchers, ...b.matchers]),
  };
}

/**
 * Whether `wide` selects every alert `narrow` selects, as far as can be told without labels:
 * each of its sets holds the other's, and it has no raw matchers of its own.
 */
export function coversSelector(wide: Selector, narrow: Selector): boolean {
  const holds = (w?: ReadonlySet<string>, n?: ReadonlySet<string>) =>
    w === undefined || (n !== undefined && [...n].every((item) => w.has(item)));
  return (
    wide.matchers.length === 0 &&
    holds(wide.hosts, narrow.hosts) &&
    holds(wide.components, narrow.components) &&
    holds(wide.alerts, narrow.alerts)
  );
}

/** Alertmanager matchers for the selector, in a stable order. */
export function selectorMatchers(selector: Selector): LabelMatcher[] {
  return [
    ...(selector.alerts ? [oneOf("alertname", [...selector.alerts])] : []),
    ...(selector.components ? [oneOf("component", [...selector.components])] : []),
    ...(selector.hosts ? [oneOf("instance", [...selector.hosts])] : []),
    ...selector.matchers,
  ];
}

/** For people: "hosts db1, db2; component mysql". */
export function describeSelector(selector: Selector): string {
  const list = (set: ReadonlySet<string>) => [...set].sort().join(", ");
  const parts = [
    ...(selector.hosts ? [`host${selector.hosts.size === 1 ? "" : "s"} ${list(selector.hosts)}`] : []),
    ...(selector.components
      ? [`component${selector.components.size === 1 ? "" : "s"} ${list(selector.components)}`]
      : []),
    ...(selector.alerts ? [`alert${selector.alerts.size === 1 ? "" : "s"} ${list(selector.alerts)}`] : []),
    ...selector.matchers.map((m) => `${m.label}${m.op}${m.value}`),
  ];
  return parts.length > 0 ? parts.join("; ") : "everything";
}

function intersection<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): Set<T> {
  return new Set([...a].filter((item) => b.has(item)));
}

function intersectOptional<T>(a?: ReadonlySet<T>, b?: ReadonlySet<T>): ReadonlySet<T> | undefined {
  if (a && b) return intersection(a, b);
  return a ?? b;
}

function uniqueMatchers(matchers: readonly LabelMatcher[]): LabelMatcher[] {
  const seen = new Set<string>();
  return matchers.filter((m) => {
    const key = `${m.label}\u0000${m.op}\u0000${m.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The hosts a single config knows: its inventory when it has one (a file read as one host),
 * else this host alone, named as its alerts name it.
 */
export function hostsOfConfig(config: {
  readonly global: { readonly hostname?: string | undefined };
  readonly document: Readonly<Record<string, unknown>>;
}): LabelledHost[] {
  const inventory = config.document["hosts"] as
    Readonly<Record<string, { readonly labels?: Readonly<Record<string, string>> }>> | undefined;
  if (inventory) {
    return Object.entries(inventory)
      .map(([name, entry]) => ({ name, labels: entry.labels ?? {} }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
  return [{ name: config.global.hostname ?? "localhost", labels: {} }];
}

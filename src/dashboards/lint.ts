// Checks on dashboard JSON that need no Grafana: the schema, the rules of Grafana's dashboard
// linter (units, datasource variable, $__rate_interval, job and instance matchers), and what makes
// provisioned dashboards show "No data" (import placeholders, unknown variables, a wrong uid).
import * as units from "@grafana/grafana-foundation-sdk/units";
import type { DashboardSpec } from "../components/component.js";
import {
  PROMETHEUS_DATASOURCE_UID,
  STORAGE_DATASOURCE_UID,
} from "../components/shared/grafanaDatasources.js";
import { STACKMON_TAG } from "./dashboard.js";
import { DashboardSchema, type Dashboard, type DashboardPanel } from "./schema.js";
import { selectorsOf, variablesIn, type Selector } from "./promql.js";
import { DATASOURCE_VARIABLE } from "../components/shared/grafanaDatasources.js";

const KNOWN_UNITS = new Set(
  Object.values(units as Record<string, unknown>).filter((u): u is string => typeof u === "string"),
);

/** Variables Grafana defines itself. */
const BUILT_IN_VARIABLES = new Set(["__rate_interval", "__range", "__interval", "__url_time_range"]);

/** Variables that narrow every query of a dashboard when it has them. */
const SCOPE_VARIABLES = ["instance", "site"] as const;

const DATASOURCE_REFS = new Set([
  `$${DATASOURCE_VARIABLE}`,
  `\${${DATASOURCE_VARIABLE}}`,
  PROMETHEUS_DATASOURCE_UID,
  STORAGE_DATASOURCE_UID,
]);

function datasourceProblem(where: string, ref: { type?: string; uid?: string } | undefined): string[] {
  if (ref === undefined) return [`${where} names no datasource`];
  if (ref.type !== "prometheus" || ref.uid === undefined || !DATASOURCE_REFS.has(ref.uid))
    return [
      `${where} uses datasource ${JSON.stringify(ref)}, not $${DATASOURCE_VARIABLE} or ${PROMETHEUS_DATASOURCE_UID}`,
    ];
  return [];
}

interface SelectorRules {
  /** Variables every selector must be narrowed by. */
  readonly scopes: readonly string[];
  readonly needsJob: boolean;
}

function selectorProblems(where: string, selector: Selector, rules: SelectorRules, expr: string): string[] {
  const problems: string[] = [];
  const name = selector.metric ?? "{...}";
  if (rules.needsJob && !selector.matchers.some((m) => m.label === "job"))
    problems.push(`${where}: ${name} has no job matcher in ${expr}`);
  for (const scope of rules.scopes) {
    const used = selector.matchers.some((m) => m.label === scope && m.op === "=~" && m.value === `$${scope}`);
    if (!used) problems.push(`${where}: ${name} is not narrowed by ${scope}=~"$${scope}" in ${expr}`);
  }
  if (
    (selector.enclosingFunction === "rate" || selector.enclosingFunction === "irate") &&
    selector.range !== "$__rate_interval"
  )
    problems.push(
      `${where}: ${selector.enclosingFunction}() over [${selector.range ?? ""}], not [$__rate_interval], in ${expr}`,
    );
  return problems;
}

function panelProblems(panel: DashboardPanel, dashboard: Dashboard, defined: ReadonlySet<string>): string[] {
  const where = `panel "${panel.title}" (id ${panel.id})`;
  const problems: string[] = [];
  const targets = panel.targets ?? [];
  if (!panel.description) problems.push(`${where} has no description`);
  if (panel.type === "alertlist") return problems;
  if (targets.length === 0) problems.push(`${where} has no query`);
  const unit = panel.fieldConfig?.defaults.unit;
  if (unit === undefined) problems.push(`${where} has no unit`);
  else if (!KNOWN_UNITS.has(unit)) problems.push(`${where} has unit "${unit}", which Grafana does not know`);
  problems.push(...datasourceProblem(where, panel.datasource));
  const refIds = targets.map((t) => t.refId);
  if (new Set(refIds).size !== refIds.length) problems.push(`${where} repeats a refId: ${refIds.join(", ")}`);
  const scopes = SCOPE_VARIABLES.filter((s) => defined.has(s));
  // The overview spans every job; every other dashboard is about one component's jobs.
  const rules: SelectorRules = { scopes, needsJob: scopes.length > 0 };
  for (const target of targets) {
    const at = `${where} query ${target.refId}`;
    problems.push(...datasourceProblem(at, target.datasource));
    for (const name of variablesIn(target.expr))
      if (!defined.has(name) && !BUILT_IN_VARIABLES.has(name)) problems.push(`${at} uses undefined $${name}`);
    let selectors: Selector[] = [];
    try {
      selectors = selectorsOf(target.expr);
    } catch (error) {
      problems.push(`${at}: ${(error as Error).message}`);
    }
    for (const selector of selectors) problems.push(...selectorProblems(at, selector, rules, target.expr));
  }
  if (dashboard.panels.filter((p) => p.id === panel.id).length > 1) problems.push(`${where} shares its id`);
  return problems;
}

function variableProblems(dashboard: Dashboard): string[] {
  const problems: string[] = [];
  const datasource = dashboard.templating.list.find((v) => v.name === DATASOURCE_VARIABLE);
  if (datasource?.type !== "datasource" || datasource.query !== "prometheus")
    problems.push(`no Prometheus datasource variable named ${DATASOURCE_VARIABLE}`);
  else if (
    datasource.current?.value !== PROMETHEUS_DATASOURCE_UID &&
    datasource.current?.value !== STORAGE_DATASOURCE_UID
  )
    problems.push(
      `the datasource variable defaults to ${String(datasource.current?.value)}, not ${PROMETHEUS_DATASOURCE_UID} or ${STORAGE_DATASOURCE_UID}`,
    );
  const names = dashboard.templating.list.map((v) => v.name);
  for (const variable of dashboard.templating.list) {
    if (variable.type !== "query") continue;
    const where = `variable ${variable.name}`;
    problems.push(...datasourceProblem(where, variable.datasource));
    if (!variable.multi || !variable.includeAll || variable.allValue !== ".+")
      problems.push(`${where} must be a multi-select with All as ".+"`);
    if (variable.refresh !== 2) problems.push(`${where} must refresh when the time range changes`);
    const query = typeof variable.query === "string" ? variable.query : "";
    for (const used of variablesIn(query)) {
      const at = names.indexOf(used);
      if (at < 0 || at >= names.indexOf(variable.name))
        problems.push(`${where} refers to $${used}, which is not defined before it`);
    }
  }
  const texts = [
    ...dashboard.panels.flatMap((p) => (p.type === "row" ? [] : (p.targets ?? []).map((t) => t.expr))),
    ...dashboard.templating.list.map((v) => (typeof v.query === "string" ? v.query : "")),
    ...dashboard.panels.map((p) => JSON.stringify(p.type === "row" ? {} : (p.datasource ?? {}))),
  ];
  for (const name of names)
    if (!texts.some((text) => variablesIn(text).includes(name)))
      problems.push(`variable ${name} is never used`);
  return problems;
}

/** Every problem with one dashboard, each prefixed with its uid; empty when it is fine. */
export function lintDashboard(spec: DashboardSpec): string[] {
  const text = JSON.stringify(spec.json);
  const problems: string[] = [];
  if (text.includes("__inputs") || text.includes("${DS_"))
    problems.push("holds an import placeholder (__inputs / ${DS_...}), which provisioning never resolves");
  const parsed = DashboardSchema.safeParse(spec.json);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
    return problems.map((p) => `${spec.uid}: ${p}`);
  }
  const dashboard = parsed.data;
  if (dashboard.uid !== spec.uid) problems.push(`its JSON has uid ${dashboard.uid}`);
  if (!/^stackmon-[a-z0-9-]+$/.test(dashboard.uid))
    problems.push(`uid ${dashboard.uid} is not stackmon-<name>`);
  if (!dashboard.tags.includes(STACKMON_TAG)) problems.push(`is not tagged ${STACKMON_TAG}`);
  if (!dashboard.links.some((l) => l.type === "dashboards" && l.tags.includes(STACKMON_TAG)))
    problems.push(`has no link to the other ${STACKMON_TAG} dashboards`);
  if (dashboard.editable)
    problems.push("is editable (a provisioned dashboard's edits are lost on the next apply)");
  const defined = new Set(dashboard.templating.list.map((v) => v.name));
  problems.push(...variableProblems(dashboard));
  for (const panel of dashboard.panels)
    if (panel.type !== "row") problems.push(...panelProblems(panel, dashboard, defined));
  return problems.map((p) => `${spec.uid}: ${p}`);
}

/** Every problem with a set of dashboards: each one's, uids used twice, links to no dashboard. */
export function lintDashboards(specs: readonly DashboardSpec[]): string[] {
  const problems = specs.flatMap(lintDashboard);
  const uids = specs.map((s) => s.uid);
  for (const uid of new Set(uids))
    if (uids.filter((u) => u === uid).length > 1) problems.push(`${uid}: two dashboards have this uid`);
  for (const spec of specs) {
    for (const url of JSON.stringify(spec.json).matchAll(/"url":"\/d\/([^/?"]+)/g)) {
      if (!uids.includes(url[1] ?? ""))
        problems.push(`${spec.uid}: links to /d/${url[1]}, which is no dashboard here`);
    }
  }
  return problems;
}

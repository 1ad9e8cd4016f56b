// The same catalog as Grafana-managed alerting (`alerting.engine: grafana`): a provisioning file
// with one rule group per component, a Slack-type contact point per Mattermost route (its URL
// from the environment, so it never sits in a world-readable file), a policy tree with the same
// grouping and severity routes, and the same message templates.
//
// Grafana expands environment variables in every string of a provisioning file ($VAR and
// ${VAR}, pkg/services/provisioning/values: os.ExpandEnv on each part between "$$"), so a
// template's $labels would silently become ".labels". Every "$" is written as "$$" except in the
// webhook URL, which is meant to come from the environment.
import { isNode, Scalar, stringify, YAMLSeq } from "yaml";
import { parseDuration } from "../lib/duration.js";
import type { SecretRef } from "../render/desiredState.js";
import type { ResolvedAlert } from "./alertRule.js";
import type { AlertingSettings } from "./alertingSettings.js";
import { grafanaMuteTimes, grafanaPolicyTree } from "./grafanaPolicies.js";
import { firingMention, messageTemplates, receiverName, type MattermostRoute } from "./mattermost.js";
import { allMattermostRoutes } from "./ownerRoutes.js";
import { buildRouteTree } from "./routeTree.js";
import type { LabelledHost } from "./selector.js";
import { alertsByComponent, ruleAnnotations, ruleLabels } from "./prometheusRules.js";

export interface GrafanaAlertingInput {
  readonly alerting: AlertingSettings;
  /** The fleet's hosts and labels, for owner routes and maintenance windows by host group. */
  readonly hosts?: readonly LabelledHost[];
  readonly alerts: readonly ResolvedAlert[];
  readonly prometheusUid: string;
  readonly folderUid: string;
  readonly evaluationInterval: string;
}

/** An environment variable the Grafana service needs for its contact points, and its secret. */
export interface GrafanaEnvironmentSecret {
  readonly name: string;
  readonly secret: SecretRef;
}

const ORG = 1;
/** Grafana's name for its server-side expressions datasource. */
const EXPRESSIONS = "__expr__";
/** Muted routes: the always-firing Watchdog and severities with no channel. */
export const ALWAYS = "stackmon-always";

export function webhookVariable(route: MattermostRoute): string {
  return `STACKMON_${route.webhookName.toUpperCase().replaceAll("-", "_")}_URL`;
}

/** The variables the env file must hold, one per distinct webhook. */
export function grafanaAlertingSecrets(alerting: AlertingSettings): GrafanaEnvironmentSecret[] {
  const byName = new Map<string, GrafanaEnvironmentSecret>();
  for (const route of allMattermostRoutes(alerting)) {
    byName.set(webhookVariable(route), { name: webhookVariable(route), secret: route.webhook });
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function renderGrafanaAlerting(input: GrafanaAlertingInput): string {
  const routes = allMattermostRoutes(input.alerting);
  const tree = buildRouteTree(input.alerting, input.hosts ?? []);
  const document = {
    ...withoutInterpolation({
      apiVersion: 1,
      groups: [...alertsByComponent(input.alerts)].map(([component, alerts]) => ({
        orgId: ORG,
        name: `stackmon-${component}`,
        folder: input.folderUid,
        interval: groupInterval(input.evaluationInterval),
        rules: alerts.map((alert) => grafanaRule(alert, input, alerts)),
      })),
    }),
    contactPoints: routes.map((route) => contactPoint(route)),
    ...withoutInterpolation({
      policies: [grafanaPolicyTree(tree, routes, ORG)],
      templates: [
        {
          orgId: ORG,
          name: "stackmon",
          template: messageTemplates({
            engine: "grafana",
            ...(input.alerting.grafana_url ? { grafanaUrl: input.alerting.grafana_url } : {}),
          }),
        },
      ],
      muteTimes: grafanaMuteTimes(tree, ORG),
    }),
  };
  return `# Rendered by stackmon from stackmon.yml; edits are overwritten on the next apply.\n${stringify(document, { lineWidth: 0 })}`;
}

/** Grafana evaluates groups on multiples of 10 seconds. */
function groupInterval(evaluationInterval: string): string {
  const seconds = Math.max(10, Math.ceil((parseDuration(evaluationInterval) ?? 60_000) / 10_000) * 10);
  return `${seconds}s`;
}

/**
 * The Prometheus rule as Grafana runs it: query A is the rule's own PromQL (with its comparison,
 * so healthy series vanish and "no data" means OK); B turns every returned sample into 1 and C
 * fires on it — the shape Grafana itself uses to import Prometheus rules.
 */
function grafanaRule(
  alert: ResolvedAlert,
  input: GrafanaAlertingInput,
  group: readonly ResolvedAlert[],
): Record<string, unknown> {
  const variants = group.filter((a) => a.name === alert.name).length;
  return {
    uid: ruleUid(alert),
    title: variants > 1 ? `${alert.name} (${alert.severity})` : alert.name,
    condition: "C",
    data: [
      {
        refId: "A",
        relativeTimeRange: { from: 600, to: 0 },
        datasourceUid: input.prometheusUid,
        model: {
          refId: "A",
          datasource: { type: "prometheus", uid: input.prometheusUid },
          expr: alert.expr,
          instant: true,
          range: false,
          intervalMs: 1000,
          maxDataPoints: 43200,
        },
      },
      expression("B", { type: "math", expression: "is_number($A) || is_nan($A) || is_inf($A)" }),
      expression("C", {
        type: "threshold",
        expression: "B",
        conditions: [{ evaluator: { type: "gt", params: [0] } }],
      }),
    ],
    for: alert.for,
    labels: ruleLabels(alert),
    annotations: Object.fromEntries(
      Object.entries(ruleAnnotations(alert)).map(([key, text]) => [key, grafanaTemplate(text)]),
    ),
    noDataState: "OK",
    execErrState: "Error",
    isPaused: false,
  };
}

function expression(refId: string, model: Record<string, unknown>): Record<string, unknown> {
  return {
    refId,
    relativeTimeRange: { from: 0, to: 0 },
    datasourceUid: EXPRESSIONS,
    model: { refId, datasource: { type: EXPRESSIONS, uid: EXPRESSIONS }, ...model },
  };
}

/** Prometheus's `$value` is a number; Grafana's is a description of every query, so use A's. */
export function grafanaTemplate(text: string): string {
  return text.replace(/\$value\b(?!s)/g, "$values.A.Value");
}

/** Grafana rule uids: at most 40 of [a-zA-Z0-9-_], stable across renders. */
export function ruleUid(alert: ResolvedAlert): string {
  const slug = `sm-${alert.name.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase()}-${alert.severity[0] ?? "x"}`;
  if (slug.length <= 40) return slug;
  return `${slug.slice(0, 31)}-${fnv1a(slug)}`;
}

function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

/**
 * Grafana's Slack notifier has no pretext setting, and writes `mentionChannel` as
 * `<!channel|channel>`, which Mattermost turns into a link instead of a mention. So the mention
 * opens the attachment's text while the group fires, where Mattermost notifies for it.
 */
function contactPoint(route: MattermostRoute): Record<string, unknown> {
  const mention = route.mention ? firingMention(route.mention, "\n") : "";
  return withoutInterpolation({
    orgId: ORG,
    name: receiverName(route),
    receivers: [
      {
        uid: `stackmon-${route.owner === undefined ? "mattermost" : route.owner}-${route.severity}`,
        type: "slack",
        settings: {
          ...(route.channel ? { recipient: route.channel } : {}),
          username: route.username,
          ...(route.iconUrl ? { icon_url: route.iconUrl } : {}),
          title: '{{ template "stackmon.title" . }}',
          text: `${mention}{{ template "stackmon.text" . }}`,
          // Interpolated by Grafana from its environment (the 0640 env file).
          url: new Interpolated(`$${webhookVariable(route)}`),
        },
        disableResolveMessage: false,
      },
    ],
  });
}

/** A string Grafana is meant to expand from its environment. */
class Interpolated {
  constructor(readonly text: string) {}
}

/** Every "$" in the strings of `value` doubled, so that Grafana reads it as a "$". */
function withoutInterpolation<T>(value: T): T {
  const escape = (item: unknown): unknown => {
    if (typeof item === "string") return item.replaceAll("$", "$$$$");
    if (item instanceof Interpolated) return item.text;
    if (isNode(item) || item === null || typeof item !== "object") return item;
    if (Array.isArray(item)) return item.map(escape);
    return Object.fromEntries(Object.entries(item).map(([key, entry]) => [key, escape(entry)]));
  };
  return escape(value) as T;
}

/**
 * An object matcher as a flow sequence of double-quoted strings: a bare `=` is YAML 1.1's
 * "value" type, which some YAML readers (PyYAML among them) refuse to load. Its "$" are
 * doubled here (withoutInterpolation leaves YAML nodes alone): a regex may end in one.
 */
export function matcher(label: string, value: string, op = "="): YAMLSeq {
  const sequence = new YAMLSeq();
  sequence.flow = true;
  for (const part of [label, op, value]) {
    const scalar = new Scalar(part.replaceAll("$", "$$$$"));
    scalar.type = Scalar.QUOTE_DOUBLE;
    sequence.items.push(scalar);
  }
  return sequence;
}

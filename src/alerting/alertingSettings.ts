// The `alerting` section of stackmon.yml: which engine evaluates the rules, where Mattermost is,
// how alerts are grouped and repeated, and per-alert overrides. The override keys are built from
// the components' catalogs, so an override naming an unknown alert is an error at its position.
import { z } from "zod";
import { duration, secretReference } from "../config/schemaParts.js";
import { SEVERITIES, type AlertDefinition, type Severity, type Threshold } from "./alertRule.js";
import { maintenanceWindowSchema } from "./maintenance.js";
import { ownerRouteSchema } from "./ownerRoutes.js";
import { heartbeatSchema } from "./heartbeat.js";

const ruleOverride = (threshold: Threshold | undefined, severityChange: boolean) =>
  z.strictObject({
    enabled: z.boolean().optional(),
    for: duration().optional(),
    ...(threshold
      ? {
          threshold: z
            .number()
            .min(threshold.min, `must be at least ${threshold.min} (${threshold.unit})`)
            .max(threshold.max, `must be at most ${threshold.max} (${threshold.unit})`)
            .optional(),
        }
      : {}),
    ...(severityChange ? { severity: z.enum(SEVERITIES).optional() } : {}),
  });

export type RuleOverride = z.infer<ReturnType<typeof ruleOverride>> & {
  readonly threshold?: number;
  readonly severity?: Severity;
};

/**
 * An alert with one severity is overridden flat ({threshold: 3, for: 10m, severity: warning});
 * one with a warning and a critical variant per severity ({critical: {threshold: 2}}), or all at
 * once with {enabled: false}.
 */
function overrideSchemaFor(variants: readonly AlertDefinition[]): z.ZodType {
  const first = variants[0];
  if (variants.length === 1 && first) return ruleOverride(first.threshold, true);
  const shape: Record<string, z.ZodType> = { enabled: z.boolean().optional() };
  for (const variant of variants) shape[variant.severity] = ruleOverride(variant.threshold, false).optional();
  return z.strictObject(shape);
}

const webhook = {
  webhook_url_file: secretReference.file,
  webhook_url_env: secretReference.env,
};

/**
 * Strings that Alertmanager and Grafana read as Go templates (the Slack integration's username
 * and icon URL, links written into the message templates) must not open a template action.
 */
const templateSafe = <T extends z.ZodString | z.ZodURL>(schema: T) =>
  schema.refine((text) => !text.includes("{{"), {
    message: 'must not contain "{{": Alertmanager and Grafana would read it as a template',
  });

/**
 * Mattermost mentions: @channel, @here, @all, a username or a group, separated by spaces. Nothing
 * else, so a mention can neither break the message templates it is written into nor add markup.
 */
export const MENTION_PATTERN =
  /^(?:@[A-Za-z0-9][A-Za-z0-9._-]{0,63}(?: +@[A-Za-z0-9][A-Za-z0-9._-]{0,63})*)?$/;

const severityRoute = z.strictObject({
  /** Channel name (not display name); the webhook's own channel when absent. */
  channel: z
    .string()
    .regex(/^[a-z0-9_-]+$/, "must be a channel name (lowercase, as in its URL), not a display name")
    .optional(),
  /** Prepended to firing messages, e.g. "@channel" or "@here"; resolved messages never mention. */
  mention: z
    .string()
    .regex(
      MENTION_PATTERN,
      'must be @names separated by spaces, such as "@channel", "@here" or "@alice @bob"',
    )
    .optional(),
  /** A different incoming webhook for this severity. */
  ...webhook,
});

const mattermostSchema = z
  .strictObject({
    ...webhook,
    username: templateSafe(z.string().min(1)).default("stackmon"),
    icon_url: templateSafe(z.url()).optional(),
    critical: severityRoute.prefault({ mention: "@channel" }),
    warning: severityRoute.prefault({}),
    /** Info alerts are delivered only when this is set. */
    info: severityRoute.optional(),
  })
  .superRefine((m, ctx) => {
    if (m.webhook_url_file !== undefined && m.webhook_url_env !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["webhook_url_file"],
        message: "set one of webhook_url_file and webhook_url_env",
      });
    }
    const hasDefault = m.webhook_url_file !== undefined || m.webhook_url_env !== undefined;
    for (const severity of SEVERITIES) {
      const route = m[severity];
      if (!route) continue;
      const own = route.webhook_url_file !== undefined || route.webhook_url_env !== undefined;
      if (route.webhook_url_file !== undefined && route.webhook_url_env !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [severity, "webhook_url_file"],
          message: "set one of webhook_url_file and webhook_url_env",
        });
      }
      if (!own && !hasDefault) {
        ctx.addIssue({
          code: "custom",
          path: [severity, route.channel !== undefined ? "channel" : "webhook_url_file"],
          message: `${severity} alerts have no webhook: set alerting.mattermost.webhook_url_file (or _env), or one for this severity`,
        });
      }
    }
  });
export type MattermostSettings = z.infer<typeof mattermostSchema>;

export function alertingSchema(catalog: readonly AlertDefinition[]) {
  const byName = new Map<string, AlertDefinition[]>();
  for (const alert of catalog) byName.set(alert.name, [...(byName.get(alert.name) ?? []), alert]);
  const rules: Record<string, z.ZodType> = {};
  for (const name of [...byName.keys()].sort())
    rules[name] = overrideSchemaFor(byName.get(name) ?? []).optional();

  return z
    .strictObject({
      /** Who evaluates the rules and delivers: Prometheus + Alertmanager, or Grafana. */
      engine: z.enum(["alertmanager", "grafana"]).default("alertmanager"),
      mattermost: mattermostSchema.optional(),
      /** Alerts with the same values of these labels become one message. */
      group_by: z.array(z.string().min(1)).default(["alertname", "instance"]),
      group_wait: duration().default("30s"),
      group_interval: duration().default("5m"),
      /** How often a still-firing alert is posted again, per severity. */
      repeat_interval: z
        .strictObject({
          critical: duration().default("1h"),
          warning: duration().default("4h"),
          info: duration().default("24h"),
        })
        .prefault({}),
      /** Where people open Grafana, for links in messages. */
      grafana_url: templateSafe(z.url()).optional(),
      /** Per-alert overrides: `stackmon alerts` lists every name. */
      rules: z.strictObject(rules).default({}),
      /** Owners' channels: the first route that selects an alert takes it; the rest go to mattermost. */
      routes: z.array(ownerRouteSchema(severityRoute)).default([]),
      /** Recurring windows in which the alerts they select are not delivered. */
      maintenance: z.array(maintenanceWindowSchema).default([]),
      /** The page every alert's runbook_url points into (#alertname): a copy of docs/alerting.md. */
      runbook_url: templateSafe(z.url()).optional(),
      /** A ping URL outside this host that the Watchdog reaches every few minutes. */
      heartbeat: heartbeatSchema.optional(),
    })
    .superRefine((alerting, ctx) => {
      if (alerting.heartbeat && alerting.engine !== "alertmanager") {
        ctx.addIssue({
          code: "custom",
          path: ["heartbeat"],
          message: "the heartbeat is sent by Alertmanager: it needs engine: alertmanager",
        });
      }
    })
    .prefault({});
}

export type AlertingSettings = z.infer<ReturnType<typeof alertingSchema>>;

/** The override for one variant of an alert, whichever shape it was written in. */
export function overrideFor(
  settings: AlertingSettings,
  alert: AlertDefinition,
  variants: number,
): { enabled: boolean; override: RuleOverride } {
  const written = (settings.rules as Record<string, Record<string, unknown> | undefined>)[alert.name];
  if (!written) return { enabled: true, override: {} };
  if (variants === 1) {
    const override = written as RuleOverride;
    return { enabled: override.enabled !== false, override };
  }
  const override = (written[alert.severity] ?? {}) as RuleOverride;
  return { enabled: written["enabled"] !== false && override.enabled !== false, override };
}

// Routing by owner (`alerting.routes`): the alerts of some hosts, host groups, components or
// alerts go to their team's channels, still by severity; whatever no route takes goes to the
// `alerting.mattermost` channels, the catch-all.
import { z } from "zod";
import { secretRefFrom } from "../config/schemaParts.js";
import { SEVERITIES, type Severity } from "./alertRule.js";
import type { AlertingSettings } from "./alertingSettings.js";
import { ROUTING_NAME } from "./maintenance.js";
import { mattermostRoutes, type MattermostRoute } from "./mattermost.js";
import { hasSelector, selectorShape, type SelectorSettings } from "./selector.js";

/** Route names are part of Grafana contact point uids (at most 40 characters with their prefix). */
const OWNER_NAME_LENGTH = 20;

/** A severity's destination, as under alerting.mattermost: channel, mention, webhook. */
export interface OwnerSeverityRoute {
  readonly channel?: string | undefined;
  readonly mention?: string | undefined;
  readonly webhook_url_file?: string | undefined;
  readonly webhook_url_env?: string | undefined;
}

export interface OwnerRoute extends SelectorSettings {
  readonly name: string;
  readonly critical?: OwnerSeverityRoute | undefined;
  readonly warning?: OwnerSeverityRoute | undefined;
  readonly info?: OwnerSeverityRoute | undefined;
}

/** The schema of one owner route, given the severity destination schema of alerting.mattermost. */
export function ownerRouteSchema<T extends z.ZodType<OwnerSeverityRoute>>(severityRoute: T) {
  return z
    .strictObject({
      name: z
        .string()
        .regex(ROUTING_NAME, "must be lower-case letters, digits and -")
        .max(OWNER_NAME_LENGTH, `must be at most ${OWNER_NAME_LENGTH} characters`)
        // The catch-all's contact points are stackmon-mattermost-<severity> in Grafana.
        .refine((name) => name !== "mattermost", { message: '"mattermost" is the catch-all\'s name' }),
      ...selectorShape,
      critical: severityRoute.optional(),
      warning: severityRoute.optional(),
      info: severityRoute.optional(),
    })
    .superRefine((route, ctx) => {
      if (!hasSelector(route)) {
        ctx.addIssue({
          code: "custom",
          path: ["name"],
          message: "say whose alerts these are: hosts, host_labels, components, alerts or matchers",
        });
      }
      if (!SEVERITIES.some((severity) => route[severity] !== undefined)) {
        ctx.addIssue({
          code: "custom",
          path: ["name"],
          message: "give at least one of critical, warning and info a channel",
        });
      }
    });
}

/** The route's severities in order, each with its destination. */
export function ownerSeverities(
  route: OwnerRoute,
): { severity: Severity; destination: OwnerSeverityRoute }[] {
  return SEVERITIES.flatMap((severity) => {
    const destination = route[severity];
    return destination ? [{ severity, destination }] : [];
  });
}

/**
 * Where each owner route's severities are delivered. A destination without its own webhook uses
 * alerting.mattermost's; a critical one mentions @channel unless it says otherwise, as the
 * catch-all does.
 */
export function ownerMattermostRoutes(alerting: AlertingSettings): MattermostRoute[] {
  const mattermost = alerting.mattermost;
  const shared = mattermost
    ? secretRefFrom(mattermost.webhook_url_file, mattermost.webhook_url_env, [
        "alerting",
        "mattermost",
        "webhook_url",
      ])
    : undefined;
  return alerting.routes.flatMap((route, index) =>
    ownerSeverities(route).map(({ severity, destination }): MattermostRoute => {
      const own = secretRefFrom(destination.webhook_url_file, destination.webhook_url_env, [
        "alerting",
        "routes",
        index,
        severity,
        "webhook_url",
      ]);
      const webhook = own ?? shared;
      // Validation (routingIssues) guarantees a webhook for every destination.
      if (!webhook) throw new Error(`no webhook for route ${route.name} ${severity} after validation`);
      const mention = destination.mention ?? (severity === "critical" ? "@channel" : undefined);
      return {
        severity,
        owner: route.name,
        ...(destination.channel !== undefined ? { channel: destination.channel } : {}),
        ...(mention ? { mention } : {}),
        webhook,
        webhookName: own ? `mattermost-${route.name}-${severity}` : "mattermost",
        username: mattermost?.username ?? "stackmon",
        ...(mattermost?.icon_url !== undefined ? { iconUrl: mattermost.icon_url } : {}),
      };
    }),
  );
}

/** Every Mattermost destination: the catch-all's severities, then the owner routes'. */
export function allMattermostRoutes(alerting: AlertingSettings): MattermostRoute[] {
  return [...mattermostRoutes(alerting), ...ownerMattermostRoutes(alerting)];
}

// Checks that need the whole stack: two components on one port, two jobs with one name.
import type { Component, RenderTarget } from "../components/component.js";
import { formatListen } from "../config/schemaParts.js";
import type { ConfigIssue } from "../config/configError.js";
import { configIssueOf, type StackConfig } from "../config/stackConfig.js";
import { OVERVIEW_DASHBOARD_UID } from "../components/shared/grafanaDatasources.js";
import { parseDuration } from "../lib/duration.js";
import { enabledComponents } from "./enabledComponents.js";

const SYSTEMD: RenderTarget = { root: "", platform: "systemd" };

export function checkStack(config: StackConfig, components: readonly Component[]): ConfigIssue[] {
  const enabled = enabledComponents(components, config, SYSTEMD);
  const issues: ConfigIssue[] = [];

  const portOwners = new Map<number, string>();
  for (const { component, contribution } of enabled) {
    for (const claim of contribution.listens) {
      const owner = portOwners.get(claim.listen.port);
      if (owner !== undefined) {
        issues.push({
          path: claim.configPath,
          message: `port ${claim.listen.port} (${formatListen(claim.listen)}) is already used by ${owner}`,
        });
      } else {
        portOwners.set(claim.listen.port, component.id);
      }
    }
  }

  const jobOwners = new Map<string, string>();
  for (const { component, contribution } of enabled) {
    for (const job of contribution.scrapeJobs) {
      const owner = jobOwners.get(job.jobName);
      if (owner !== undefined) {
        issues.push({
          path: [...component.configPath],
          message: `scrape job name "${job.jobName}" is already used by ${owner}`,
        });
      } else {
        jobOwners.set(job.jobName, component.id);
      }
      const timeout = job.scrapeTimeout === undefined ? undefined : parseDuration(job.scrapeTimeout);
      const interval = job.scrapeInterval ?? config.global.scrape_interval;
      if (timeout !== undefined && timeout > (parseDuration(interval) ?? Infinity)) {
        issues.push({
          path: [...component.configPath, "scrape_timeout"],
          message: `is longer than the job's scrape interval (${interval}): Prometheus refuses that`,
        });
      }
    }
  }
  // Grafana-managed alerting needs a Grafana in the stack to evaluate and deliver.
  const engine = (config.document["alerting"] as { engine?: string } | undefined)?.engine;
  const roles = new Set(enabled.flatMap(({ contribution }) => contribution.endpoints.map((e) => e.role)));
  if (engine === "grafana" && !roles.has("grafana")) {
    issues.push({
      path: ["alerting", "engine"],
      message: "grafana evaluates the alerts, but Grafana is not enabled in this stack",
    });
  }
  // Each component's own checks against the rest of the stack.
  const facts = {
    dashboardUids: [OVERVIEW_DASHBOARD_UID, ...enabled.flatMap((e) => e.component.dashboardUids)].sort(),
  };
  for (const { component, settings } of enabled)
    issues.push(...component.check(settings, facts).map((issue) => configIssueOf(component, issue)));
  return issues;
}

// prometheus.yml from the stack: global settings, rule files, Alertmanagers and every scrape job.
import { stringify } from "yaml";
import type { ScrapeJob } from "../../render/desiredState.js";
import type { StackContext } from "../component.js";
import { scrapeJobFor } from "../shared/endpoint.js";
import { remoteWriteConfig, type RemoteWriteTarget } from "./remoteWrite.js";

export function renderPrometheusConfig(
  stack: StackContext,
  ruleGlob: string,
  remoteWrites: readonly RemoteWriteTarget[] = [],
): string {
  const { global } = stack;
  const document = {
    global: {
      scrape_interval: global.scrape_interval,
      ...(global.scrape_timeout !== undefined ? { scrape_timeout: global.scrape_timeout } : {}),
      evaluation_interval: global.evaluation_interval,
      ...(Object.keys(global.external_labels).length > 0
        ? { external_labels: sortKeys(global.external_labels) }
        : {}),
    },
    rule_files: [stack.path(ruleGlob)],
    ...alertingSection(stack),
    scrape_configs: stack.scrapeJobs.map((job) => scrapeConfig(job, stack)),
    ...(remoteWrites.length > 0
      ? { remote_write: remoteWrites.map((target) => remoteWriteConfig(target, stack)) }
      : {}),
  };
  return `# Rendered by stackmon from stackmon.yml; edits are overwritten on the next apply.\n${stringify(document, { lineWidth: 0 })}`;
}

/**
 * Where alerts go: every Alertmanager of the stack, each reached the way Prometheus scrapes it
 * (its password and CA on a fleet's other server). A pair's alerts leave without their
 * `replica` label, so Alertmanager sees the two as one.
 */
function alertingSection(stack: StackContext): Record<string, unknown> {
  const endpoints = stack.endpoints.filter((e) => e.role === "alertmanager");
  if (endpoints.length === 0) return {};
  const alertmanagers = endpoints.map((endpoint) => {
    const url = new URL(endpoint.url);
    const job = scrapeJobFor(stack, endpoint);
    return {
      scheme: url.protocol === "https:" ? "https" : "http",
      ...(job?.basicAuth
        ? {
            basic_auth: {
              username: job.basicAuth.username,
              password_file: stack.path(job.basicAuth.passwordFile),
            },
          }
        : {}),
      ...(job?.trust
        ? { tls_config: { ca_file: stack.path(job.trust.caFile), server_name: job.trust.serverName } }
        : job?.tlsConfig
          ? { tls_config: job.tlsConfig }
          : {}),
      static_configs: [{ targets: [url.host] }],
    };
  });
  const merged = alertmanagers.every((a) => Object.keys(a).length === 2)
    ? [
        {
          ...alertmanagers[0],
          static_configs: [
            { targets: alertmanagers.map((a) => a.static_configs[0]?.targets[0] ?? "").sort() },
          ],
        },
      ]
    : alertmanagers;
  return {
    alerting: {
      ...("replica" in stack.global.external_labels
        ? { alert_relabel_configs: [{ action: "labeldrop", regex: "replica" }] }
        : {}),
      alertmanagers: merged,
    },
  };
}

function scrapeConfig(job: ScrapeJob, stack: StackContext): Record<string, unknown> {
  return {
    job_name: job.jobName,
    ...(job.scrapeInterval ? { scrape_interval: job.scrapeInterval } : {}),
    ...(job.scrapeTimeout ? { scrape_timeout: job.scrapeTimeout } : {}),
    ...(job.metricsPath ? { metrics_path: job.metricsPath } : {}),
    ...(job.scheme ? { scheme: job.scheme } : {}),
    ...(job.params ? { params: sortKeys(job.params) } : {}),
    ...(job.basicAuth
      ? {
          basic_auth: {
            username: job.basicAuth.username,
            password_file: stack.path(job.basicAuth.passwordFile),
          },
        }
      : {}),
    ...(job.tlsConfig ? { tls_config: job.tlsConfig } : {}),
    ...(job.trust
      ? { tls_config: { ca_file: stack.path(job.trust.caFile), server_name: job.trust.serverName } }
      : {}),
    static_configs: job.staticConfigs.map((sc) => ({
      targets: [...sc.targets],
      ...(sc.labels ? { labels: sortKeys(sc.labels) } : {}),
    })),
    ...(job.relabelConfigs ? { relabel_configs: job.relabelConfigs } : {}),
  };
}

function sortKeys<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

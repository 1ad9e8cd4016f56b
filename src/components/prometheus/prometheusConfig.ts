// prometheus.yml from the stack: global settings, rule files, Alertmanagers and every scrape job.
import { stringify } from "yaml";
import type { ScrapeJob } from "../../render/desiredState.js";
import type { StackContext } from "../component.js";
import { remoteWriteConfig, type RemoteWriteTarget } from "./remoteWrite.js";

export function renderPrometheusConfig(
  stack: StackContext,
  ruleGlob: string,
  remoteWrites: readonly RemoteWriteTarget[] = [],
): string {
  const { global } = stack;
  const alertmanagers = stack.endpoints.filter((e) => e.role === "alertmanager").map((e) => new URL(e.url));
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
    ...(alertmanagers.length > 0
      ? {
          alerting: {
            alertmanagers: [
              {
                scheme: alertmanagers[0]?.protocol === "https:" ? "https" : "http",
                static_configs: [{ targets: alertmanagers.map((url) => url.host).sort() }],
              },
            ],
          },
        }
      : {}),
    scrape_configs: stack.scrapeJobs.map((job) => scrapeConfig(job, stack)),
    ...(remoteWrites.length > 0
      ? { remote_write: remoteWrites.map((target) => remoteWriteConfig(target, stack)) }
      : {}),
  };
  return `# Rendered by stackmon from stackmon.yml; edits are overwritten on the next apply.\n${stringify(document, { lineWidth: 0 })}`;
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

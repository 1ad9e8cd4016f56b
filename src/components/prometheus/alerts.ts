// Prometheus watching itself and everything it scrapes: targets down, its own config and rule
// evaluation, storage failures, and the always-firing Watchdog that proves the pipeline works.
import type { AlertDefinition } from "../../alerting/alertRule.js";
import { caseOf, rising, steady } from "../../alerting/testSeries.js";
import { remoteWriteAlerts } from "./remoteWriteAlerts.js";

/**
 * One exporter not answering is the monitoring going blind there, not an outage: a warning. What
 * is down for users has its own critical alert (MySQLDown, BlackboxProbeFailed,
 * Pm2ProcessNotOnline, HostUnreachable for the whole host).
 */
const targetDown: AlertDefinition = {
  name: "TargetDown",
  upstream: { source: "kube-prometheus", name: "TargetDown" },
  severity: "warning",
  for: "2m",
  expr: () => "up == 0",
  summary: "{{ $labels.job }} at {{ $labels.instance }} is down",
  description:
    "Prometheus cannot scrape {{ $labels.job }} at {{ $labels.instance }}: the exporter or the host it runs on is not answering. The alerts built on its data cannot fire until it is back; the host's other alerts still do.",
  tests: (input) => ({
    fires: caseOf([steady('up{job="node",instance="web1"}', 0, input)], input, {
      labels: { job: "node", instance: "web1" },
      summary: "node at web1 is down",
      description:
        "Prometheus cannot scrape node at web1: the exporter or the host it runs on is not answering. The alerts built on its data cannot fire until it is back; the host's other alerts still do.",
    }),
    quiet: caseOf([steady('up{job="node",instance="web1"}', 1, input)], input),
  }),
};

const watchdog: AlertDefinition = {
  name: "Watchdog",
  upstream: { source: "kube-prometheus", name: "Watchdog" },
  severity: "info",
  for: "0s",
  expr: () => "vector(1)",
  summary: "The alerting pipeline is working",
  description:
    "This alert always fires. When it is missing from Alertmanager, Prometheus is not evaluating rules or cannot reach Alertmanager.",
  tests: (input) => ({
    fires: {
      series: [],
      evalMinutes: input.forMinutes + 1,
      expect: {
        labels: {},
        summary: "The alerting pipeline is working",
        description:
          "This alert always fires. When it is missing from Alertmanager, Prometheus is not evaluating rules or cannot reach Alertmanager.",
      },
    },
  }),
};

const configReloadFailed: AlertDefinition = {
  name: "PrometheusBadConfig",
  upstream: { source: "prometheus-mixin", name: "PrometheusBadConfig" },
  severity: "warning",
  for: "10m",
  expr: () => "prometheus_config_last_reload_successful == 0",
  summary: "Prometheus at {{ $labels.instance }} failed to reload its configuration",
  description:
    "It keeps running on the previous configuration. Check its log and run `stackmon apply` again.",
  tests: (input) => ({
    fires: caseOf(
      [steady('prometheus_config_last_reload_successful{job="prometheus",instance="web1"}', 0, input)],
      input,
      {
        labels: { job: "prometheus", instance: "web1" },
        summary: "Prometheus at web1 failed to reload its configuration",
        description:
          "It keeps running on the previous configuration. Check its log and run `stackmon apply` again.",
      },
    ),
    quiet: caseOf(
      [steady('prometheus_config_last_reload_successful{job="prometheus",instance="web1"}', 1, input)],
      input,
    ),
  }),
};

const ruleEvaluationFailures: AlertDefinition = {
  name: "PrometheusRuleFailures",
  upstream: { source: "prometheus-mixin", name: "PrometheusRuleFailures" },
  severity: "critical",
  for: "15m",
  expr: () => "increase(prometheus_rule_evaluation_failures_total[5m]) > 0",
  summary: "Prometheus at {{ $labels.instance }} fails to evaluate rules in {{ $labels.rule_group }}",
  description:
    "{{ $value | humanize }} evaluations failed in the last 5 minutes: alerts from this group may be missed.",
  tests: (input) => {
    const series =
      'prometheus_rule_evaluation_failures_total{job="prometheus",instance="web1",rule_group="/etc/prometheus/rules/stackmon-node.yml;stackmon-node"}';
    return {
      fires: caseOf([rising(series, 0, 1, input)], input, {
        labels: {
          job: "prometheus",
          instance: "web1",
          rule_group: "/etc/prometheus/rules/stackmon-node.yml;stackmon-node",
        },
        summary:
          "Prometheus at web1 fails to evaluate rules in /etc/prometheus/rules/stackmon-node.yml;stackmon-node",
        description: "5 evaluations failed in the last 5 minutes: alerts from this group may be missed.",
      }),
      quiet: caseOf([steady(series, 3, input)], input),
    };
  },
};

const tsdbFailures = (name: string, metric: string, what: string): AlertDefinition => ({
  name,
  upstream: { source: "prometheus-mixin", name },
  severity: "warning",
  for: "0s",
  expr: () => `increase(${metric}[3h]) > 0`,
  summary: `Prometheus at {{ $labels.instance }} has ${what}`,
  description:
    "{{ $value | humanize }} failures in the last 3 hours. Check free disk space and the Prometheus log: its storage may be damaged.",
  tests: (input) => {
    const series = `${metric}{job="prometheus",instance="web1"}`;
    return {
      fires: caseOf(
        [rising(series, 0, 1, input, 180)],
        input,
        {
          labels: { job: "prometheus", instance: "web1" },
          summary: `Prometheus at web1 has ${what}`,
          description:
            "180 failures in the last 3 hours. Check free disk space and the Prometheus log: its storage may be damaged.",
        },
        180,
      ),
      quiet: caseOf([steady(series, 2, input, 180)], input, undefined, 180),
    };
  },
});

const SELF = { job: "prometheus", instance: "web1" } as const;
const selfSeries = (metric: string, labels: Readonly<Record<string, string>> = {}) =>
  `${metric}{${Object.entries({ ...SELF, ...labels })
    .map(([name, value]) => `${name}="${value}"`)
    .join(",")}}`;

const notIngestingDescription =
  "Its storage takes no new samples although it has rules to evaluate: alerts see only old data and fire on nothing new. Look at `journalctl -u prometheus` for TSDB or WAL errors, and at free space on its data directory. A Prometheus cannot see this of itself once it stops ingesting: this alert fires where another Prometheus scrapes it; on a single host the heartbeat is what notices.";

const notIngesting: AlertDefinition = {
  name: "PrometheusNotIngestingSamples",
  upstream: { source: "prometheus-mixin", name: "PrometheusNotIngestingSamples" },
  severity: "warning",
  for: "10m",
  expr: () =>
    "sum without (type) (rate(prometheus_tsdb_head_samples_appended_total[5m])) <= 0 and sum without (rule_group) (prometheus_rule_group_rules) > 0",
  summary: "Prometheus at {{ $labels.instance }} is not ingesting samples",
  description: notIngestingDescription,
  tests: (input) => {
    const appended = (perMinute: number) => [
      rising(
        selfSeries("prometheus_tsdb_head_samples_appended_total", { type: "float" }),
        1000,
        perMinute,
        input,
      ),
      steady(selfSeries("prometheus_tsdb_head_samples_appended_total", { type: "histogram" }), 0, input),
      steady(selfSeries("prometheus_rule_group_rules", { rule_group: "stackmon-node" }), 30, input),
    ];
    return {
      fires: caseOf(appended(0), input, {
        labels: SELF,
        summary: "Prometheus at web1 is not ingesting samples",
        description: notIngestingDescription,
      }),
      quiet: caseOf(appended(600), input),
    };
  },
};

const missedEvaluationsDescription = (missed: string) =>
  `${missed} evaluations of {{ $labels.rule_group }} were skipped in the last 5 minutes because the previous one had not finished: its alerts fire late or not at all. A rule over too many series or too long a range is the usual cause; \`/rules\` in Prometheus's web UI shows each group's evaluation time.`;

const missingRuleEvaluations: AlertDefinition = {
  name: "PrometheusMissingRuleEvaluations",
  upstream: { source: "prometheus-mixin", name: "PrometheusMissingRuleEvaluations" },
  severity: "warning",
  for: "15m",
  expr: () => "increase(prometheus_rule_group_iterations_missed_total[5m]) > 0",
  summary: "Prometheus at {{ $labels.instance }} skips evaluations of {{ $labels.rule_group }}",
  description: missedEvaluationsDescription('{{ $value | printf "%.0f" }}'),
  tests: (input) => {
    const group = { rule_group: "/etc/prometheus/rules/stackmon-node.yml;stackmon-node" };
    const missed = selfSeries("prometheus_rule_group_iterations_missed_total", group);
    return {
      fires: caseOf([rising(missed, 0, 1, input)], input, {
        labels: { ...SELF, ...group },
        summary:
          "Prometheus at web1 skips evaluations of /etc/prometheus/rules/stackmon-node.yml;stackmon-node",
        description: missedEvaluationsDescription("5").replace("{{ $labels.rule_group }}", group.rule_group),
      }),
      quiet: caseOf([steady(missed, 7, input)], input),
    };
  },
};

const restartsDescription =
  "It keeps starting over: each restart loses what it held in memory and, for Prometheus, rule state and recent samples while it replays its WAL. `journalctl -u {{ $labels.job }}` (or prometheus-alertmanager) shows why it exits: out of memory, a bad flag, a corrupt data directory.";

/** The monitoring's own processes; process_start_time_seconds changes at every start. */
const tooManyRestarts: AlertDefinition = {
  name: "PrometheusTooManyRestarts",
  upstream: { source: "awesome-prometheus-alerts", name: "PrometheusTooManyRestarts" },
  severity: "warning",
  for: "0s",
  threshold: { default: 2, unit: "count", min: 1, max: 10, reads: "restarts in 15 minutes above" },
  expr: (t) => `changes(process_start_time_seconds{job=~"prometheus|alertmanager"}[15m]) > ${t}`,
  summary:
    '{{ $labels.job }} at {{ $labels.instance }} restarted {{ $value | printf "%.0f" }} times in 15 minutes',
  description: restartsDescription,
  tests: (input) => {
    const alertmanager = { job: "alertmanager", instance: "web1" };
    const series = 'process_start_time_seconds{job="alertmanager",instance="web1"}';
    return {
      // Started again every minute: 15 changes between the 16 samples of the window (both ends included).
      fires: caseOf([rising(series, 1_700_000_000, 60, input)], input, {
        labels: alertmanager,
        summary: "alertmanager at web1 restarted 15 times in 15 minutes",
        description: restartsDescription.replace("{{ $labels.job }}", "alertmanager"),
      }),
      quiet: caseOf([steady(series, 1_700_000_000, input)], input),
    };
  },
};

/**
 * Each process has its own limit (systemd's default soft limit is 1024), which it hits long before
 * the kernel-wide one (NodeFileDescriptorLimit, near 0% on systemd hosts). Every program
 * Prometheus scrapes reports both numbers of itself: the exporters, Prometheus, Alertmanager.
 */
function processFileDescriptors(
  severity: "warning" | "critical",
  percent: number,
  forText: string,
): AlertDefinition {
  const summary = (used: string, job: string, instance: string) =>
    `${job} at ${instance} uses ${used}% of its file descriptors`;
  const description = (job: string) =>
    `When it reaches its limit it can open no file and accept no connection ("too many open files"). A count that only grows is a leak: restart it to buy time and report it; a steady high count needs a higher LimitNOFILE= in its unit (\`systemctl show -p LimitNOFILE\` for ${job}).`;
  const target = { job: "alertmanager", instance: "web1" };
  const limit = 1024;
  return {
    name: "ProcessFileDescriptorLimit",
    severity,
    for: forText,
    threshold: {
      default: percent,
      unit: "percent",
      min: 1,
      max: 99,
      reads: "file descriptors of a process in use above",
    },
    expr: (t) => `100 * process_open_fds / process_max_fds > ${t}`,
    summary: summary('{{ $value | printf "%.0f" }}', "{{ $labels.job }}", "{{ $labels.instance }}"),
    description: description("{{ $labels.job }}"),
    tests: (input) => {
      const open = (percent: number) => [
        steady('process_max_fds{job="alertmanager",instance="web1"}', limit, input),
        steady(
          'process_open_fds{job="alertmanager",instance="web1"}',
          Math.round((limit * percent) / 100),
          input,
        ),
      ];
      // A whole percentage of 1024 descriptors, so that "%.0f" prints what was set.
      const firing = Math.min(100, Math.floor(input.threshold) + 2);
      return {
        fires: caseOf(open(firing), input, {
          labels: target,
          summary: summary(
            ((100 * Math.round((limit * firing) / 100)) / limit).toFixed(0),
            "alertmanager",
            "web1",
          ),
          description: description("alertmanager"),
        }),
        quiet: caseOf(open(input.threshold * 0.95), input),
      };
    },
  };
}

export const prometheusAlerts: readonly AlertDefinition[] = [
  processFileDescriptors("warning", 80, "15m"),
  processFileDescriptors("critical", 95, "5m"),
  targetDown,
  watchdog,
  configReloadFailed,
  ruleEvaluationFailures,
  tsdbFailures(
    "PrometheusTSDBCompactionsFailing",
    "prometheus_tsdb_compactions_failed_total",
    "failing storage compactions",
  ),
  notIngesting,
  missingRuleEvaluations,
  tooManyRestarts,
  tsdbFailures(
    "PrometheusTSDBReloadsFailing",
    "prometheus_tsdb_reloads_failures_total",
    "failing storage reloads",
  ),
  ...remoteWriteAlerts,
];

// Prometheus watching itself and everything it scrapes: targets down, its own config and rule
// evaluation, storage failures, and the always-firing Watchdog that proves the pipeline works.
import type { AlertDefinition } from "../../alerting/alertRule.js";
import { caseOf, rising, steady } from "../../alerting/testSeries.js";
import { remoteWriteAlerts } from "./remoteWriteAlerts.js";

const targetDown: AlertDefinition = {
  name: "TargetDown",
  severity: "critical",
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
  name: "PrometheusConfigReloadFailed",
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
  name: "PrometheusRuleEvaluationFailures",
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

export const prometheusAlerts: readonly AlertDefinition[] = [
  targetDown,
  watchdog,
  configReloadFailed,
  ruleEvaluationFailures,
  tsdbFailures(
    "PrometheusTsdbCompactionsFailing",
    "prometheus_tsdb_compactions_failed_total",
    "failing storage compactions",
  ),
  tsdbFailures(
    "PrometheusTsdbReloadsFailing",
    "prometheus_tsdb_reloads_failures_total",
    "failing storage reloads",
  ),
  ...remoteWriteAlerts,
];

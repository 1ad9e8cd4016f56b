// The delivery path, watched from both ends: Alertmanager reloading its config and reaching
// Mattermost, Prometheus finding Alertmanager and handing it alerts. Only rendered with Alertmanager.
import type { AlertDefinition, AlertTestInput, TestSeries, Threshold } from "../../alerting/alertRule.js";
import { caseOf, rising, steady } from "../../alerting/testSeries.js";

const ALERTMANAGER = { job: "alertmanager", instance: "web1" } as const;
const PROMETHEUS = { job: "prometheus", instance: "web1" } as const;

type Labels = Readonly<Record<string, string>>;

function seriesOf(metric: string, labels: Labels): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${value}"`);
  return `${metric}{${pairs.join(",")}}`;
}

/** Just short of `threshold` on the healthy side: near enough that a wrong comparison would fire. */
const justBelow = (threshold: number) => threshold * 0.95;

/** A whole failure percentage clearly past `threshold`, so that "%.1f" prints it exactly. */
const failuresAbove = (threshold: number) => Math.min(100, Math.floor(threshold * 2) + 1);

/** 1000 attempts a minute, of which `failedPercent` % fail: ten failures a minute per percent. */
function attempts(total: string, failed: string, failedPercent: number, input: AlertTestInput): TestSeries[] {
  return [rising(total, 0, 1000, input), rising(failed, 0, failedPercent * 10, input)];
}

/** A failure ratio in percent, tunable, as people write it in stackmon.yml. */
const failureThreshold = (reads: string): Threshold => ({
  default: 1,
  unit: "percent",
  min: 0.01,
  max: 99,
  reads,
});

function configReloadFailed(): AlertDefinition {
  const description =
    "It keeps running on the previous configuration, so changes to routing or Mattermost are not in effect. `journalctl -u prometheus-alertmanager` says what is wrong; fix it and run `stackmon apply` again.";
  return {
    name: "AlertmanagerFailedReload",
    upstream: { source: "alertmanager-mixin", name: "AlertmanagerFailedReload" },
    severity: "warning",
    for: "10m",
    expr: () => "alertmanager_config_last_reload_successful == 0",
    summary: "Alertmanager at {{ $labels.instance }} failed to reload its configuration",
    description,
    tests: (input) => {
      const reloaded = (successful: number) => [
        steady(seriesOf("alertmanager_config_last_reload_successful", ALERTMANAGER), successful, input),
      ];
      return {
        fires: caseOf(reloaded(0), input, {
          labels: ALERTMANAGER,
          summary: "Alertmanager at web1 failed to reload its configuration",
          description,
        }),
        quiet: caseOf(reloaded(1), input),
      };
    },
  };
}

function notificationsFailing(): AlertDefinition {
  const summary = (instance: string, failed: string, integration: string) =>
    `Alertmanager at ${instance} fails to deliver ${failed}% of its ${integration} notifications`;
  const description =
    "Alerts may be reaching nobody: see what is firing in Alertmanager's web UI. Mattermost is reached through the slack integration. `journalctl -u prometheus-alertmanager` says why delivery fails: a wrong or revoked webhook URL, Mattermost down, or the network in between.";
  const integration: Labels = { integration: "slack", ...ALERTMANAGER };
  return {
    name: "AlertmanagerFailedToSendAlerts",
    upstream: { source: "alertmanager-mixin", name: "AlertmanagerFailedToSendAlerts" },
    // Chat is the only way alerts reach people.
    severity: "critical",
    for: "5m",
    threshold: failureThreshold("failed notifications above"),
    // Newer Alertmanagers split failures by reason; the ratio is per integration.
    expr: (t) =>
      `sum without (reason) (rate(alertmanager_notifications_failed_total[5m])) / rate(alertmanager_notifications_total[5m]) * 100 > ${t}`,
    summary: summary("{{ $labels.instance }}", '{{ $value | printf "%.1f" }}', "{{ $labels.integration }}"),
    description,
    tests: (input) => {
      const delivering = (failedPercent: number) =>
        attempts(
          seriesOf("alertmanager_notifications_total", integration),
          seriesOf("alertmanager_notifications_failed_total", integration),
          failedPercent,
          input,
        );
      const firing = failuresAbove(input.threshold);
      return {
        fires: caseOf(delivering(firing), input, {
          labels: integration,
          summary: summary("web1", firing.toFixed(1), "slack"),
          description,
        }),
        quiet: caseOf(delivering(justBelow(input.threshold)), input),
      };
    },
  };
}

function notConnectedToAlertmanager(): AlertDefinition {
  const description =
    "No alert reaches Alertmanager, so none reaches Mattermost; this one shows only in Prometheus and Grafana. Check that Alertmanager runs (`systemctl status prometheus-alertmanager`), then `stackmon verify`.";
  return {
    name: "PrometheusNotConnectedToAlertmanagers",
    upstream: { source: "prometheus-mixin", name: "PrometheusNotConnectedToAlertmanagers" },
    // Nothing else can be delivered while it lasts.
    severity: "critical",
    for: "10m",
    expr: () => "prometheus_notifications_alertmanagers_discovered < 1",
    summary: "Prometheus at {{ $labels.instance }} is not connected to Alertmanager",
    description,
    tests: (input) => {
      const discovered = (count: number) => [
        steady(seriesOf("prometheus_notifications_alertmanagers_discovered", PROMETHEUS), count, input),
      ];
      return {
        fires: caseOf(discovered(0), input, {
          labels: PROMETHEUS,
          summary: "Prometheus at web1 is not connected to Alertmanager",
          description,
        }),
        quiet: caseOf(discovered(1), input),
      };
    },
  };
}

/**
 * Every Alertmanager it sends to refuses or fails: then nothing is delivered. (With a cluster, one
 * member failing while another takes the alerts is that member's own TargetDown.)
 */
function prometheusNotificationsFailing(): AlertDefinition {
  const summary = (instance: string, failed: string) =>
    `Prometheus at ${instance} fails to send ${failed}% of alerts to Alertmanager`;
  const description =
    "Alerts that do not reach Alertmanager do not reach Mattermost. Is Alertmanager up and answering (`systemctl status prometheus-alertmanager`)? `journalctl -u prometheus` names the error.";
  const to = (url: string): Labels => ({ alertmanager: url, ...PROMETHEUS });
  const [first, second] = [
    to("http://127.0.0.1:9093/api/v2/alerts"),
    to("http://10.0.0.2:9093/api/v2/alerts"),
  ];
  const sending = (labels: Labels, failedPercent: number, input: AlertTestInput) =>
    attempts(
      seriesOf("prometheus_notifications_sent_total", labels),
      seriesOf("prometheus_notifications_errors_total", labels),
      failedPercent,
      input,
    );
  return {
    name: "PrometheusErrorSendingAlertsToAnyAlertmanager",
    upstream: { source: "prometheus-mixin", name: "PrometheusErrorSendingAlertsToAnyAlertmanager" },
    severity: "critical",
    for: "15m",
    threshold: failureThreshold("alerts failing to reach every Alertmanager above"),
    expr: (t) =>
      `min without (alertmanager) (rate(prometheus_notifications_errors_total[5m]) / rate(prometheus_notifications_sent_total[5m])) * 100 > ${t}`,
    summary: summary("{{ $labels.instance }}", '{{ $value | printf "%.1f" }}'),
    description,
    tests: (input) => {
      const firing = failuresAbove(input.threshold);
      return {
        fires: caseOf(sending(first, firing, input), input, {
          labels: PROMETHEUS,
          summary: summary("web1", firing.toFixed(1)),
          description,
        }),
        // One failing, the other taking them: delivered.
        quiet: caseOf([...sending(first, firing, input), ...sending(second, 0, input)], input),
      };
    },
  };
}

function notificationQueueFull(): AlertDefinition {
  const summary = (instance: string, full: string) =>
    `Prometheus at ${instance} has its alert queue ${full}% full`;
  const description =
    "Alertmanager takes alerts more slowly than Prometheus produces them; once the queue is full, new alerts are dropped. Check that Alertmanager is healthy, and whether one rule fires for thousands of series.";
  const capacity = 10_000;
  return {
    name: "PrometheusNotificationQueueRunningFull",
    upstream: { source: "prometheus-mixin", name: "PrometheusNotificationQueueRunningFull" },
    severity: "warning",
    for: "10m",
    threshold: { default: 50, unit: "percent", min: 1, max: 99, reads: "alert queue used above" },
    expr: (t) =>
      `prometheus_notifications_queue_length / prometheus_notifications_queue_capacity * 100 > ${t}`,
    summary: summary("{{ $labels.instance }}", '{{ $value | printf "%.0f" }}'),
    description,
    tests: (input) => {
      const queued = (percent: number) => [
        steady(seriesOf("prometheus_notifications_queue_capacity", PROMETHEUS), capacity, input),
        steady(
          seriesOf("prometheus_notifications_queue_length", PROMETHEUS),
          (capacity * percent) / 100,
          input,
        ),
      ];
      // A whole percentage halfway to full, so that "%.0f" prints it exactly.
      const firing = Math.max(Math.floor(input.threshold) + 1, Math.floor((input.threshold + 100) / 2));
      return {
        fires: caseOf(queued(firing), input, {
          labels: PROMETHEUS,
          summary: summary("web1", String(firing)),
          description,
        }),
        quiet: caseOf(queued(justBelow(input.threshold)), input),
      };
    },
  };
}

/**
 * A member of a cluster (a fleet's two servers) that sees fewer members than Prometheus scrapes
 * Alertmanagers: a peer is down or cut off, and one more failure loses alerting. A single node
 * has no cluster metrics and never fires it.
 */
function clusterMemberMissing(): AlertDefinition {
  const summary = (instance: string, members: string) =>
    `Alertmanager at ${instance} sees only ${members} of its cluster's members`;
  const description =
    "Alerts still go out, from the members that are left, but one more failure stops them. Is the other server's Alertmanager running (`systemctl status prometheus-alertmanager`), and can the servers reach each other on port 9094?";
  return {
    name: "AlertmanagerClusterMemberMissing",
    severity: "warning",
    for: "5m",
    expr: () => 'alertmanager_cluster_members < on () group_left () count(up{job="alertmanager"})',
    summary: summary("{{ $labels.instance }}", "{{ $value }}"),
    description,
    tests: (input) => {
      const cluster = (members: number, peerUp: number) => [
        steady(seriesOf("alertmanager_cluster_members", ALERTMANAGER), members, input),
        steady(seriesOf("up", ALERTMANAGER), 1, input),
        steady(seriesOf("up", { job: "alertmanager", instance: "web2" }), peerUp, input),
      ];
      return {
        fires: caseOf(cluster(1, 0), input, {
          labels: ALERTMANAGER,
          summary: summary("web1", "1"),
          description,
        }),
        quiet: caseOf(cluster(2, 1), input),
      };
    },
  };
}

export const alertmanagerAlerts: readonly AlertDefinition[] = [
  configReloadFailed(),
  clusterMemberMissing(),
  notificationsFailing(),
  notConnectedToAlertmanager(),
  prometheusNotificationsFailing(),
  notificationQueueFull(),
];

// Prometheus's remote writes (to the stack's storage or any receiver) watched from Prometheus
// itself: samples refused for good, and a queue falling behind. Metric names as Prometheus 2.42
// exports them (storage/remote/queue_manager.go): prometheus_remote_storage_samples_total counts
// every sample sent, _failed_total those refused without retry (a 4xx), and
// queue_highest_sent_timestamp_seconds appears once a request has been answered (even refused).
import type { AlertDefinition } from "../../alerting/alertRule.js";
import { caseOf, humanizedDuration, rising, seriesOf, steady } from "../../alerting/testSeries.js";

const PROMETHEUS = { job: "prometheus", instance: "mon1" } as const;
const QUEUE = {
  remote_name: "stackmon-storage",
  url: "https://10.0.0.9:8428/api/v1/write",
  ...PROMETHEUS,
} as const;

function remoteWriteFailing(): AlertDefinition {
  const summary = (instance: string, failed: string, remote: string) =>
    `Prometheus at ${instance} loses ${failed}% of the samples it writes to ${remote}`;
  const description = (url: string) =>
    `${url} refuses them for good (a 4xx answer: a wrong password or token, a request it will not take), so they are missing from long-term storage. \`journalctl -u prometheus\` names the answer; fix the receiver's credentials in stackmon.yml and apply.`;
  return {
    name: "PrometheusRemoteWriteFailing",
    // History is being lost.
    severity: "critical",
    for: "15m",
    threshold: { default: 1, unit: "percent", min: 0.01, max: 99, reads: "samples refused above" },
    expr: (t) =>
      `rate(prometheus_remote_storage_samples_failed_total[5m]) / rate(prometheus_remote_storage_samples_total[5m]) * 100 > ${t}`,
    summary: summary("{{ $labels.instance }}", '{{ $value | printf "%.1f" }}', "{{ $labels.remote_name }}"),
    description: description("{{ $labels.url }}"),
    tests: (input) => {
      // 1000 samples a minute, ten refused per refused percent.
      const sending = (failedPercent: number) => [
        rising(seriesOf("prometheus_remote_storage_samples_total", QUEUE), 0, 1000, input),
        rising(
          seriesOf("prometheus_remote_storage_samples_failed_total", QUEUE),
          0,
          failedPercent * 10,
          input,
        ),
      ];
      const firing = Math.min(100, Math.floor(input.threshold * 2) + 1);
      return {
        fires: caseOf(sending(firing), input, {
          labels: QUEUE,
          summary: summary("mon1", firing.toFixed(1), "stackmon-storage"),
          description: description(QUEUE.url),
        }),
        quiet: caseOf(sending(input.threshold * 0.95), input),
      };
    },
  };
}

function remoteWriteBehind(): AlertDefinition {
  const summary = (instance: string, behind: string, remote: string) =>
    `Prometheus at ${instance} is ${behind} behind writing to ${remote}`;
  const description = (url: string) =>
    `The newest sample ${url} has is that old: it is down, unreachable, or slower than Prometheus produces samples. Prometheus keeps retrying from its write-ahead log, which holds about 2 hours; what is older than that never reaches long-term storage. \`journalctl -u prometheus\` says why sends fail.`;
  const newest = "prometheus_remote_storage_highest_timestamp_in_seconds";
  const sent = "prometheus_remote_storage_queue_highest_sent_timestamp_seconds";
  return {
    name: "PrometheusRemoteWriteBehind",
    severity: "warning",
    for: "15m",
    threshold: { default: 300, unit: "seconds", min: 30, max: 7200, reads: "behind by more than" },
    // A queue that never sent anything has no sent timestamp: PrometheusRemoteWriteNeverSent.
    expr: (t) => `${newest} - ignoring(remote_name, url) group_right ${sent} > ${t}`,
    summary: summary(
      "{{ $labels.instance }}",
      "{{ $value | humanizeDuration }}",
      "{{ $labels.remote_name }}",
    ),
    description: description("{{ $labels.url }}"),
    tests: (input) => {
      const now = 1_800_000_000;
      const lagging = (seconds: number) => [
        steady(seriesOf(newest, PROMETHEUS), now, input),
        steady(seriesOf(sent, QUEUE), now - seconds, input),
      ];
      const firing = Math.round(input.threshold * 2);
      return {
        fires: caseOf(lagging(firing), input, {
          labels: QUEUE,
          summary: summary("mon1", humanizedDuration(firing), "stackmon-storage"),
          description: description(QUEUE.url),
        }),
        quiet: caseOf(lagging(Math.floor(input.threshold * 0.95)), input),
      };
    },
  };
}

function remoteWriteNeverSent(): AlertDefinition {
  const summary = (instance: string, remote: string) =>
    `Prometheus at ${instance} has not reached ${remote} since it started`;
  const description = (url: string) =>
    `No request to ${url} has been answered since Prometheus started, so nothing it scraped is in long-term storage: the receiver is down or unreachable, or its address or certificate is wrong. \`journalctl -u prometheus\` names the error.`;
  return {
    name: "PrometheusRemoteWriteNeverSent",
    severity: "warning",
    for: "15m",
    expr: () =>
      "prometheus_remote_storage_samples_pending unless on(remote_name, url, instance, job) prometheus_remote_storage_queue_highest_sent_timestamp_seconds",
    summary: summary("{{ $labels.instance }}", "{{ $labels.remote_name }}"),
    description: description("{{ $labels.url }}"),
    tests: (input) => {
      const pending = steady(seriesOf("prometheus_remote_storage_samples_pending", QUEUE), 500, input);
      return {
        fires: caseOf([pending], input, {
          labels: QUEUE,
          summary: summary("mon1", "stackmon-storage"),
          description: description(QUEUE.url),
        }),
        quiet: caseOf(
          [
            pending,
            steady(
              seriesOf("prometheus_remote_storage_queue_highest_sent_timestamp_seconds", QUEUE),
              1,
              input,
            ),
          ],
          input,
        ),
      };
    },
  };
}

export const remoteWriteAlerts: readonly AlertDefinition[] = [
  remoteWriteFailing(),
  remoteWriteBehind(),
  remoteWriteNeverSent(),
];

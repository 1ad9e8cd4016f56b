// Duplicati backups, from our Duplicati exporter: overdue, failed or warned, the Duplicati server
// unreachable when it is polled, and a destination whose quota runs out.
import type { AlertDefinition, AlertTestInput, TestSeries } from "../../alerting/alertRule.js";
import { caseOf, evalMinutes, humanized, humanizedDuration, steady } from "../../alerting/testSeries.js";

/**
 * The exporter is scraped every 5 minutes, right at the edge of Prometheus's 5-minute lookback:
 * reading the last sample of 10 minutes keeps a late scrape from resetting an alert's `for`.
 */
const latest = (selector: string) => `last_over_time(${selector}[10m])`;

/** "files1": the machine Duplicati runs on; the exporter's host for a backup not yet reported. */
const WHERE = "{{ with $labels.machine }}{{ . }}{{ else }}{{ $labels.instance }}{{ end }}";

const EXPORTER = { job: "duplicati", instance: "web1" } as const;
const NIGHTLY = { ...EXPORTER, backup: "nightly-home", machine: "files1", backup_id: "3" } as const;
/** Known from polling the Duplicati server before any report: no machine name yet. */
const NIGHTLY_POLLED = { ...EXPORTER, backup: "nightly-home", backup_id: "3" } as const;

type Labels = Readonly<Record<string, string>>;

function seriesOf(metric: string, labels: Labels): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${value}"`);
  return `${metric}{${pairs.join(",")}}`;
}

const RESULTS = ["Success", "Warning", "Error", "Fatal", "Unknown"] as const;

/** The last-result state set of a backup: 1 for `result`, 0 for the others. */
function lastResult(labels: Labels, result: (typeof RESULTS)[number], input: AlertTestInput): TestSeries[] {
  return RESULTS.map((r) =>
    steady(seriesOf("duplicati_backup_last_result", { ...labels, result: r }), r === result ? 1 : 0, input),
  );
}

const lastSuccessText = (age: string) => `Its last successful run ended ${age} ago.`;
const NO_SUCCESS = "No successful run is on record.";

const staleDescription = (lastSuccess: string, where: string) =>
  `${lastSuccess} No run has finished since it was due by its Duplicati schedule, or the last success is older than its max_age in stackmon.yml. Check first that Duplicati runs on ${where} and the backup is not paused, then that its reports reach the exporter (the --send-http-json-urls option).`;

const STALE = `${latest("duplicati_backup_stale")} == 1`;

const stale: AlertDefinition = {
  name: "DuplicatiBackupStale",
  // There is no fresh copy of the data, but the data itself is fine: a nightly job should not
  // @channel at 3 a.m. (alerting.rules.DuplicatiBackupStale.severity makes it critical).
  severity: "warning",
  for: "1h",
  // The value is how long ago it last succeeded, or -1 when it never did. (Annotations get the age
  // from the value: Grafana's templates, unlike Prometheus's, cannot query.)
  expr: () =>
    `(time() - ${latest("duplicati_backup_last_success_timestamp_seconds")}) and ${STALE} or -1 * (${STALE})`,
  summary: `backup {{ $labels.backup }} is overdue at ${WHERE}`,
  description: staleDescription(
    `{{ if ge $value 0.0 }}${lastSuccessText("{{ $value | humanizeDuration }}")}{{ else }}${NO_SUCCESS}{{ end }}`,
    WHERE,
  ),
  tests: (input) => {
    const lastSuccessAge = 28 * 3600;
    const history = (labels: Labels, isStale: number): TestSeries[] => [
      steady(seriesOf("duplicati_backup_stale", labels), isStale, input),
      steady(
        seriesOf("duplicati_backup_last_success_timestamp_seconds", labels),
        60 * evalMinutes(input) - lastSuccessAge,
        input,
      ),
    ];
    return {
      fires: caseOf(history(NIGHTLY_POLLED, 1), input, {
        labels: NIGHTLY_POLLED,
        summary: "backup nightly-home is overdue at web1",
        description: staleDescription(lastSuccessText(humanizedDuration(lastSuccessAge)), "web1"),
      }),
      quiet: caseOf(history(NIGHTLY, 0), input),
    };
  },
};

const FATAL = "Its last run was aborted (Fatal): no new version was stored.";
const ERROR = "Its last run ended with errors: this version may lack files.";
const FAILED_ADVICE =
  "Open the backup's log in Duplicati (Show log) for the first error; the usual causes are the destination (credentials, full, unreachable) and source folders that are gone. It clears when a run succeeds.";

const failed: AlertDefinition = {
  name: "DuplicatiBackupFailed",
  severity: "warning",
  for: "15m",
  expr: () => `${latest('duplicati_backup_last_result{result=~"Error|Fatal"}')} == 1`,
  summary: `backup {{ $labels.backup }} failed at ${WHERE}`,
  description: `{{ if eq $labels.result "Fatal" }}${FATAL}{{ else }}${ERROR}{{ end }} ${FAILED_ADVICE}`,
  tests: (input) => ({
    fires: caseOf(lastResult(NIGHTLY, "Error", input), input, {
      labels: { ...NIGHTLY, result: "Error" },
      summary: "backup nightly-home failed at files1",
      description: `${ERROR} ${FAILED_ADVICE}`,
    }),
    quiet: caseOf(lastResult(NIGHTLY, "Warning", input), input),
  }),
};

const warningsDescription =
  "The run stored a new version but reported warnings, usually files it could not read (locked, no permission, changed during the run), which this version lacks. Read them in the backup's log in Duplicati; exclude files that are expected to fail.";

/** Info: recurring warnings (a file always locked) are common, and would teach people to ignore. */
const warnings: AlertDefinition = {
  name: "DuplicatiBackupWarnings",
  severity: "info",
  for: "15m",
  expr: () => `${latest('duplicati_backup_last_result{result="Warning"}')} == 1`,
  summary: `backup {{ $labels.backup }} finished with warnings at ${WHERE}`,
  description: warningsDescription,
  tests: (input) => ({
    fires: caseOf(lastResult(NIGHTLY, "Warning", input), input, {
      labels: { ...NIGHTLY, result: "Warning" },
      summary: "backup nightly-home finished with warnings at files1",
      description: warningsDescription,
    }),
    quiet: caseOf(lastResult(NIGHTLY, "Success", input), input),
  }),
};

const serverDownDescription =
  "The exporter cannot reach or log in to the Duplicati server set in exporters.duplicati.server: Duplicati is stopped, its password changed, or the URL is wrong. While it is down no scheduled backup runs. Look at Duplicati's service on its machine, then at the exporter's log.";

const serverDown: AlertDefinition = {
  name: "DuplicatiServerDown",
  // Its backups' own alerts (overdue) follow if it stays down.
  severity: "warning",
  for: "5m",
  // The series exists only when polling is configured.
  expr: () => `${latest("duplicati_server_up")} == 0`,
  summary: "the Duplicati server polled from {{ $labels.instance }} does not answer",
  description: serverDownDescription,
  tests: (input) => ({
    fires: caseOf([steady(seriesOf("duplicati_server_up", EXPORTER), 0, input)], input, {
      labels: EXPORTER,
      summary: "the Duplicati server polled from web1 does not answer",
      description: serverDownDescription,
    }),
    quiet: caseOf([steady(seriesOf("duplicati_server_up", EXPORTER), 1, input)], input),
  }),
};

const quotaDescription =
  "Backups fail once the destination is full. Keep fewer versions (the backup's retention) and compact, or get more space.";

/** Test destination: 1 TB, so a percentage with two decimals is whole bytes. */
const TEST_QUOTA = 1e12;

const quotaLow: AlertDefinition = {
  name: "DuplicatiQuotaLow",
  severity: "warning",
  for: "15m",
  threshold: { default: 10, unit: "percent", min: 1, max: 50, reads: "free destination quota below" },
  // The exporter drops quotas a destination does not report (0 or -1), so the total is positive.
  expr: (t) =>
    `100 * ${latest("duplicati_backup_quota_free_bytes")} / ${latest("duplicati_backup_quota_total_bytes")} < ${t}`,
  summary: `backup {{ $labels.backup }} at ${WHERE}: {{ $value | humanize }}% of the destination's quota is free`,
  description: quotaDescription,
  tests: (input) => {
    const quota = (freePercent: number): TestSeries[] => [
      steady(seriesOf("duplicati_backup_quota_free_bytes", NIGHTLY), freeBytes(freePercent), input),
      steady(seriesOf("duplicati_backup_quota_total_bytes", NIGHTLY), TEST_QUOTA, input),
    ];
    const freeBytes = (percent: number) => Math.round((TEST_QUOTA * percent) / 100);
    const firing = input.threshold / 2;
    return {
      fires: caseOf(quota(firing), input, {
        labels: NIGHTLY,
        summary: `backup nightly-home at files1: ${humanized((100 * freeBytes(firing)) / TEST_QUOTA)}% of the destination's quota is free`,
        description: quotaDescription,
      }),
      quiet: caseOf(quota(input.threshold + 0.5), input),
    };
  },
};

export const duplicatiAlerts: readonly AlertDefinition[] = [stale, failed, warnings, serverDown, quotaLow];

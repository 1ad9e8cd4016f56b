// Websites and ports seen from outside (blackbox_exporter 0.23): down, answering with an error,
// slow, certificates about to expire (in proportion to their lifetime once it is known) or
// expired, and the 30-day error budget burning fast.
import type { AlertDefinition, TestSeries } from "../../alerting/alertRule.js";
import { caseOf, evalMinutes, humanized, humanizedDuration, steady } from "../../alerting/testSeries.js";

/**
 * The probes that judge availability. The TLS-expiry probe (job blackbox_tls) skips certificate
 * verification so that it can still read an expired certificate: it says nothing about being up.
 */
const AVAILABILITY_PROBES = 'job=~"blackbox_http|blackbox_tcp|blackbox_icmp"';
const EXPIRY_PROBE = 'job="blackbox_tls"';

/** "shop (https://shop.example.com)": the short name people gave it, then what is probed. */
const site = (name: string, target: string) => `${name} (${target})`;
const SITE = site("{{ $labels.site }}", "{{ $labels.instance }}");
/** The host of an https URL, as a certificate names it. */
const CERTIFICATE_HOST = '{{ $labels.instance | reReplaceAll "^https?://([^/:]+).*$" "$1" }}';

type Labels = Readonly<Record<string, string>>;

const SHOP = { job: "blackbox_http", instance: "https://shop.example.com", site: "shop" } as const;
const SHOP_CERTIFICATE = { ...SHOP, job: "blackbox_tls" } as const;
const BLOG = { job: "blackbox_http", instance: "https://blog.example.com", site: "blog" } as const;

function seriesOf(metric: string, labels: Labels): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${value}"`);
  return `${metric}{${pairs.join(",")}}`;
}

const probeFailedDescription =
  "Probes from the monitoring host fail: it does not answer, answers with an error, or its TLS certificate is not valid. Try it yourself first; then look at the service, its host and its DNS name.";

const probeFailed: AlertDefinition = {
  name: "BlackboxProbeFailed",
  upstream: { source: "awesome-prometheus-alerts", name: "BlackboxProbeFailed" },
  severity: "critical",
  for: "1m",
  expr: () => `probe_success{${AVAILABILITY_PROBES}} == 0`,
  summary: `${SITE} is down`,
  description: probeFailedDescription,
  // An HTTP error status also fails the probe, and a site that is down burns its error budget:
  // one message for the site, not three.
  inhibits: ["BlackboxAvailabilityLow", "BlackboxHttpErrorStatus"],
  tests: (input) => ({
    fires: caseOf([steady(seriesOf("probe_success", SHOP), 0, input)], input, {
      labels: SHOP,
      summary: "shop (https://shop.example.com) is down",
      description: probeFailedDescription,
    }),
    // The expiry probe failing alone (not https any more) is no outage.
    quiet: caseOf(
      [
        steady(seriesOf("probe_success", SHOP), 1, input),
        steady(seriesOf("probe_success", SHOP_CERTIFICATE), 0, input),
      ],
      input,
    ),
  }),
};

const SERVER_ERROR =
  "A 5xx: the application or something behind it fails; look at its log (`pm2 logs`) and at its database.";
const CLIENT_ERROR =
  "A 4xx: the page is gone or access is refused; a deploy may have changed its route, its authentication or a firewall rule.";
const NOT_FINAL = "A 1xx is not a final answer: the server stopped halfway.";
const REDIRECTS_FOLLOWED = "Redirects are followed, so this is where the page ends up.";

const httpErrorStatus: AlertDefinition = {
  name: "BlackboxHttpErrorStatus",
  upstream: { source: "awesome-prometheus-alerts", name: "BlackboxProbeHttpFailure" },
  severity: "warning",
  for: "1m",
  // Status 0 means no answer at all: BlackboxProbeFailed says so.
  expr: () =>
    'probe_http_status_code{job="blackbox_http"} > 0 < 200 or probe_http_status_code{job="blackbox_http"} >= 400',
  summary: `${SITE} answers HTTP {{ $value | printf "%.0f" }}`,
  description: `{{ if ge $value 500.0 }}${SERVER_ERROR}{{ else if ge $value 400.0 }}${CLIENT_ERROR}{{ else }}${NOT_FINAL}{{ end }} ${REDIRECTS_FOLLOWED}`,
  tests: (input) => ({
    // 400, the first error status.
    fires: caseOf([steady(seriesOf("probe_http_status_code", SHOP), 400, input)], input, {
      labels: SHOP,
      summary: "shop (https://shop.example.com) answers HTTP 400",
      description: `${CLIENT_ERROR} ${REDIRECTS_FOLLOWED}`,
    }),
    // The edges of the good range, and a probe that got no answer.
    quiet: caseOf(
      [
        steady(seriesOf("probe_http_status_code", SHOP), 200, input),
        steady(seriesOf("probe_http_status_code", BLOG), 399, input),
        steady(seriesOf("probe_http_status_code", { ...BLOG, site: "old" }), 0, input),
      ],
      input,
    ),
  }),
};

const slowProbeDescription =
  "The time covers the whole request from the monitoring host: DNS, connecting, TLS and the answer. The Blackbox dashboard splits it into these phases; a slow answer usually means a busy application or database.";

const slowProbe: AlertDefinition = {
  name: "BlackboxProbeSlow",
  upstream: { source: "awesome-prometheus-alerts", name: "BlackboxSlowProbe" },
  severity: "warning",
  for: "5m",
  threshold: { default: 1, unit: "seconds", min: 0.05, max: 60, reads: "probe duration above" },
  // A failing probe often takes its whole timeout; it is down, not slow.
  expr: (t) =>
    `avg_over_time(probe_duration_seconds{${AVAILABILITY_PROBES}}[5m]) > ${t} and probe_success == 1`,
  summary: `${SITE} is slow: {{ $value | humanizeDuration }} per probe over the last 5 minutes`,
  description: slowProbeDescription,
  tests: (input) => {
    const probe = (labels: Labels, seconds: number, success: number): TestSeries[] => [
      steady(seriesOf("probe_duration_seconds", labels), seconds, input),
      steady(seriesOf("probe_success", labels), success, input),
    ];
    const firing = 1.5 * input.threshold;
    return {
      fires: caseOf(probe(SHOP, firing, 1), input, {
        labels: SHOP,
        summary: `shop (https://shop.example.com) is slow: ${humanizedDuration(firing)} per probe over the last 5 minutes`,
        description: slowProbeDescription,
      }),
      quiet: caseOf(
        [...probe(SHOP, 0.9 * input.threshold, 1), ...probe(BLOG, 10 * input.threshold, 0)],
        input,
      ),
    };
  },
};

const EXPIRY = `probe_ssl_earliest_cert_expiry{${EXPIRY_PROBE}}`;
const DAYS_LEFT = `(${EXPIRY} - time()) / 86400`;

/**
 * The blackbox exporter does not report when a certificate was issued, so its lifetime is seen
 * rather than read: a certificate renewed within the last two weeks (its expiry changed) had, at
 * most, the longest validity seen since. Prometheus keeps 15 days by default, so only lifetimes
 * shorter than that are known.
 */
const LOOKBACK_DAYS = 14;
const LONGEST_SEEN_DAYS = `max_over_time((${EXPIRY} - time())[${LOOKBACK_DAYS}d:6h]) / 86400`;
const NOT_RENEWED_LATELY = `changes(${EXPIRY}[${LOOKBACK_DAYS}d]) == 0`;
/** The thresholds are for a classic 90-day certificate; a shorter one is judged in proportion. */
const CLASSIC_LIFETIME_DAYS = 90;

const expiringDescription =
  "Browsers will refuse the site once it expires, and ACME clients renew well before this point (certbot 30 days ahead of a 90-day certificate, most clients when a third of its lifetime is left), so renewal is failing: run `certbot renew --dry-run` (or read your ACME client's log), and check that the web server was reloaded after the last renewal.";

/** Test time runs in hours for these alerts: they look back two weeks. */
const HOUR = 60;
/** A six-day certificate, renewed at this hour of the test (a multiple of the 6-hour look-back step). */
const RENEWED_AT_HOUR = 24;
const SHORT_LIFETIME_DAYS = 6;

/**
 * A site whose certificate was renewed at RENEWED_AT_HOUR with a six-day one (the one before had
 * half a day left), seen until `hours` into the test.
 */
function renewedShortCertificate(labels: Labels, hours: number): TestSeries {
  const before = RENEWED_AT_HOUR * 3600 + 43_200;
  const after = RENEWED_AT_HOUR * 3600 + SHORT_LIFETIME_DAYS * 86_400;
  return {
    series: seriesOf("probe_ssl_earliest_cert_expiry", labels),
    values: `${before}x${RENEWED_AT_HOUR - 1} ${after}x${hours - RENEWED_AT_HOUR + 2}`,
  };
}

/** A certificate seen with the same expiry from the start of the test until `hours` in. */
function constantExpiry(labels: Labels, expiry: number, hours: number): TestSeries {
  return { series: seriesOf("probe_ssl_earliest_cert_expiry", labels), values: `${expiry}x${hours + 2}` };
}

/** Hours before the six-day certificate's end, for a case evaluated with `hoursLeft` left. */
const evalHourFor = (hoursLeft: number) => RENEWED_AT_HOUR + 24 * SHORT_LIFETIME_DAYS - hoursLeft;

function certificateExpiring(severity: "warning" | "critical"): AlertDefinition {
  const warning = severity === "warning";
  const summary = (host: string, days: string) => `certificate for ${host} expires in ${days} days`;
  return {
    name: "BlackboxCertificateExpiring",
    upstream: { source: "awesome-prometheus-alerts", name: "BlackboxSslCertificateWillExpireSoon" },
    severity,
    for: "15m",
    threshold: warning
      ? {
          default: 14,
          unit: "days",
          min: 2,
          max: 90,
          reads: "days to certificate expiry below {value} (less for short-lived certificates)",
        }
      : {
          default: 3,
          unit: "days",
          min: 0.2,
          max: 30,
          reads: "days to certificate expiry below {value} (less for short-lived certificates)",
        },
    // Already expired is BlackboxCertificateExpired. A certificate renewed lately whose whole
    // lifetime is known (shorter than the look-back) gets the threshold scaled to that lifetime.
    expr: (t) =>
      `0 < ${DAYS_LEFT} < ${t} and (${LONGEST_SEEN_DAYS} >= ${LOOKBACK_DAYS} or ${NOT_RENEWED_LATELY} or ${DAYS_LEFT} < ${t} * ${LONGEST_SEEN_DAYS} / ${CLASSIC_LIFETIME_DAYS})`,
    summary: summary(CERTIFICATE_HOST, '{{ $value | printf "%.1f" }}'),
    description: expiringDescription,
    tests: (input) => {
      const forHours = Math.ceil(input.forMinutes / HOUR);
      // The threshold for a six-day certificate, in hours.
      const thresholdHours = (input.threshold * SHORT_LIFETIME_DAYS * 24) / CLASSIC_LIFETIME_DAYS;
      // Below it since `for` began; whole hours, none a tie when printed to a tenth of a day.
      let hoursLeft = Math.max(1, Math.floor(thresholdHours - forHours - 0.5));
      if (hoursLeft % 12 === 6) hoursLeft -= 1;
      const firingHour = evalHourFor(hoursLeft);
      const quietHour = evalHourFor(Math.ceil(thresholdHours) + 12);
      const longLived = { ...SHOP_CERTIFICATE, instance: "https://blog.example.com", site: "blog" };
      return {
        intervalMinutes: HOUR,
        fires: {
          series: [renewedShortCertificate(SHOP_CERTIFICATE, firingHour)],
          evalMinutes: firingHour * HOUR,
          expect: {
            labels: SHOP_CERTIFICATE,
            summary: summary("shop.example.com", (hoursLeft / 24).toFixed(1)),
            description: expiringDescription,
          },
        },
        // The six-day certificate with 12 hours more than its threshold; a long-lived one, never
        // renewed in sight, a day above the plain threshold; and one that has already expired.
        quiet: {
          series: [
            renewedShortCertificate(SHOP_CERTIFICATE, quietHour),
            constantExpiry(
              longLived,
              quietHour * 3600 + Math.round((input.threshold + 1) * 86_400),
              quietHour,
            ),
            constantExpiry(
              { ...longLived, instance: "https://old.example.com", site: "old" },
              quietHour * 3600 - 86_400,
              quietHour,
            ),
          ],
          evalMinutes: quietHour * HOUR,
        },
      };
    },
  };
}

const expiredDescription =
  "Browsers refuse the site and API clients fail. Renew it now (`certbot renew`, or your ACME client) and reload the web server; this probe reads the certificate the server really presents.";

const certificateExpired: AlertDefinition = {
  name: "BlackboxCertificateExpired",
  upstream: { source: "awesome-prometheus-alerts", name: "BlackboxSslCertificateExpired" },
  severity: "critical",
  for: "0s",
  expr: () => `time() - probe_ssl_earliest_cert_expiry{${EXPIRY_PROBE}} >= 0`,
  summary: `certificate for ${CERTIFICATE_HOST} expired {{ $value | humanizeDuration }} ago`,
  description: expiredDescription,
  tests: (input) => {
    const expiry = (at: number) =>
      steady(seriesOf("probe_ssl_earliest_cert_expiry", SHOP_CERTIFICATE), at, input);
    const expiredFor = 9000 + 60 * input.forMinutes;
    const evalSeconds = 60 * evalMinutes(input);
    return {
      fires: caseOf([expiry(evalSeconds - expiredFor)], input, {
        labels: SHOP_CERTIFICATE,
        summary: `certificate for shop.example.com expired ${humanizedDuration(expiredFor)} ago`,
        description: expiredDescription,
      }),
      // A minute left.
      quiet: caseOf([expiry(evalSeconds + 60)], input),
    };
  },
};

/** A 30-day error budget spent six times too fast: 5% of it in these six hours. */
const BURN_RATE = 6;
const LONG_WINDOW = "6h";
/** Still failing lately: a burst long over stops alerting within this window. */
const SHORT_WINDOW = "30m";

const availabilityDescription = `At that rate the month's error budget (the failures the availability target allows in 30 days) runs out in five days. It clears within ${SHORT_WINDOW} of the failures stopping, so one burst does not keep it up for weeks; the Blackbox dashboard shows the 30-day availability and when the outages were.`;

/** Probe results, one a minute for `minutes`: a failure every `every` minutes, else success. */
function probeResults(labels: Labels, minutes: number, every?: number): TestSeries {
  const values = Array.from({ length: minutes + 1 }, (_, m) =>
    every !== undefined && m % every === 0 ? 0 : 1,
  );
  return { series: seriesOf("probe_success", labels), values: values.join(" ") };
}

const availabilityLow: AlertDefinition = {
  name: "BlackboxAvailabilityLow",
  upstream: { source: "awesome-prometheus-alerts", name: "BlackboxProbeLowUptime" },
  severity: "warning",
  for: "5m",
  threshold: {
    default: 99.9,
    unit: "percent",
    min: 90,
    max: 99.99,
    reads: "30-day availability target {value}; its error budget burning 6 times too fast",
  },
  expr: (t) => {
    const failed = (window: string) =>
      `(1 - avg_over_time(probe_success{${AVAILABILITY_PROBES}}[${window}]))`;
    const allowed = `${BURN_RATE} * (1 - ${t} / 100)`;
    return `${failed(LONG_WINDOW)} > ${allowed} and ${failed(SHORT_WINDOW)} > ${allowed}`;
  },
  summary: `${SITE} failed {{ $value | humanizePercentage }} of its probes over the last ${LONG_WINDOW}`,
  description: availabilityDescription,
  tests: (input) => {
    const minutes = input.forMinutes + 6 * 60 + 30;
    const at = minutes - 10;
    // Every tenth probe failing: in the six hours up to the evaluation (both ends counted), the
    // share of minutes divisible by ten.
    const inWindow = Array.from({ length: 361 }, (_, i) => at - 360 + i);
    const failedShare = inWindow.filter((m) => m % 10 === 0).length / inWindow.length;
    return {
      fires: {
        series: [probeResults(SHOP, minutes, 10)],
        evalMinutes: at,
        expect: {
          labels: SHOP,
          summary: `shop (https://shop.example.com) failed ${humanized(100 * failedShare)}% of its probes over the last 6h`,
          description: availabilityDescription,
        },
      },
      // One failure three hours ago: past the short window, whatever the target.
      quiet: {
        series: [
          { series: seriesOf("probe_success", SHOP), values: `1x${at - 180} 0 1x${minutes - at + 180}` },
        ],
        evalMinutes: at,
      },
    };
  },
};

export const blackboxAlerts: readonly AlertDefinition[] = [
  probeFailed,
  httpErrorStatus,
  slowProbe,
  certificateExpiring("warning"),
  certificateExpiring("critical"),
  certificateExpired,
  availabilityLow,
];

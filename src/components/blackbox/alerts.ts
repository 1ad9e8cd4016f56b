// Websites and ports seen from outside (blackbox_exporter 0.23): down, answering with an error,
// slow, certificates about to expire or expired, and availability over the last 30 days.
import type { AlertDefinition, AlertTestCase, AlertTestInput, TestSeries } from "../../alerting/alertRule.js";
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
  severity: "critical",
  for: "1m",
  expr: () => `probe_success{${AVAILABILITY_PROBES}} == 0`,
  summary: `${SITE} is down`,
  description: probeFailedDescription,
  // An HTTP error status also fails the probe: one message for the site, not two.
  inhibits: ["BlackboxHttpErrorStatus"],
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

const DAYS_LEFT = `(probe_ssl_earliest_cert_expiry{${EXPIRY_PROBE}} - time()) / 86400`;

const expiringDescription =
  "Browsers will refuse the site once it expires. ACME clients such as certbot renew 30 days ahead, so renewal is failing: run `certbot renew --dry-run` (or read your ACME client's log), and check that the web server was reloaded after the last renewal.";

/** The certificate's end, in test time, for `daysLeft` days left when the case is evaluated. */
function expiryAt(daysLeft: number, input: AlertTestInput): number {
  return 60 * evalMinutes(input) + Math.round(daysLeft * 86400);
}

function certificateExpiring(severity: "warning" | "critical"): AlertDefinition {
  const warning = severity === "warning";
  // Weeks ahead whole days are enough; in the last days a tenth of a day is 2.4 hours.
  const format = warning ? "%.0f" : "%.1f";
  const summary = (host: string, days: string) => `certificate for ${host} expires in ${days} days`;
  return {
    name: "BlackboxCertificateExpiring",
    severity,
    for: "15m",
    threshold: warning
      ? { default: 21, unit: "days", min: 2, max: 90, reads: "days to certificate expiry below" }
      : { default: 3, unit: "days", min: 0.2, max: 30, reads: "days to certificate expiry below" },
    // Already expired is BlackboxCertificateExpired.
    expr: (t) => `0 < ${DAYS_LEFT} < ${t}`,
    summary: summary(CERTIFICATE_HOST, `{{ $value | printf "${format}" }}`),
    description: expiringDescription,
    tests: (input) => {
      const expiry = (labels: Labels, daysLeft: number) =>
        steady(seriesOf("probe_ssl_earliest_cert_expiry", labels), expiryAt(daysLeft, input), input);
      // Whole days or tenths, so the printed number is exact.
      const daysLeft = warning
        ? Math.floor(input.threshold / 2)
        : Math.max(0.1, Math.round(input.threshold * 5) / 10);
      return {
        fires: caseOf([expiry(SHOP_CERTIFICATE, daysLeft)], input, {
          labels: SHOP_CERTIFICATE,
          summary: summary("shop.example.com", warning ? String(daysLeft) : daysLeft.toFixed(1)),
          description: expiringDescription,
        }),
        // Half a day more than the threshold, and one that has already expired.
        quiet: caseOf(
          [
            expiry(SHOP_CERTIFICATE, input.threshold + 0.5),
            expiry({ ...SHOP_CERTIFICATE, instance: "https://old.example.com", site: "old" }, -1),
          ],
          input,
        ),
      };
    },
  };
}

const expiredDescription =
  "Browsers refuse the site and API clients fail. Renew it now (`certbot renew`, or your ACME client) and reload the web server; this probe reads the certificate the server really presents.";

const certificateExpired: AlertDefinition = {
  name: "BlackboxCertificateExpired",
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

/**
 * promtool steps one minute at a time and evaluates every step over the whole window, so the
 * 30-day window is tested on a history of at most this many probes: failures first, then
 * successes. (A single query may load at most 10,000 samples anyway.)
 */
const AVAILABILITY_SAMPLES = 1500;

function probeHistory(labels: Labels, failures: number, total: number): TestSeries {
  const failed = failures > 0 ? `0x${failures - 1} ` : "";
  return { series: seriesOf("probe_success", labels), values: `${failed}1x${total - failures - 1}` };
}

/**
 * A history long enough to hold one failure that the target still allows (at 80 % of its budget),
 * when that fits in AVAILABILITY_SAMPLES, with the failures `failuresOf` picks.
 */
function availabilityCase(
  input: AlertTestInput,
  failuresOf: (total: number, probesPerFailure: number) => number,
  expect?: (availability: number) => AlertTestCase["expect"],
): AlertTestCase {
  // The target allows one failed probe in this many.
  const probesPerFailure = 1 / (1 - input.threshold / 100);
  const total = Math.max(
    Math.min(Math.ceil(1.25 * probesPerFailure), AVAILABILITY_SAMPLES),
    input.forMinutes + 2,
  );
  const failures = failuresOf(total, probesPerFailure);
  const availability = (100 * (total - failures)) / total;
  return {
    series: [probeHistory(SHOP, failures, total)],
    evalMinutes: total - 1,
    ...(expect ? { expect: expect(availability) } : {}),
  };
}

const availabilityDescription =
  "Counted over the probes of the last 30 days (or since monitoring began), so it clears only as old failures leave the window. The Blackbox dashboard shows when the outages were; find what caused the longest ones.";

const availabilityLow: AlertDefinition = {
  name: "BlackboxAvailabilityLow",
  severity: "warning",
  for: "15m",
  threshold: {
    default: 99.9,
    unit: "percent",
    min: 90,
    max: 99.99,
    reads: "availability over 30 days below",
  },
  expr: (t) => `100 * avg_over_time(probe_success{${AVAILABILITY_PROBES}}[30d]) < ${t}`,
  summary: `${SITE} was up {{ $value | humanize }}% of the last 30 days`,
  description: availabilityDescription,
  tests: (input) => ({
    // Half again as many failures as the target allows.
    fires: availabilityCase(
      input,
      (total, probesPerFailure) => Math.ceil((1.5 * total) / probesPerFailure),
      (availability) => ({
        labels: SHOP,
        summary: `shop (https://shop.example.com) was up ${humanized(availability)}% of the last 30 days`,
        description: availabilityDescription,
      }),
    ),
    // Just within the target: 80 % of the failures it allows (none, when one would be too many).
    quiet: availabilityCase(input, (total, probesPerFailure) =>
      Math.floor(total / (1.25 * probesPerFailure)),
    ),
  }),
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

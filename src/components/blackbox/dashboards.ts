// The websites dashboard: every probed site up or down, its availability over the time range,
// response time by phase, HTTP status and days until its certificate expires; then TCP ports and
// ping targets. Rows exist only for the kinds of probe the config has.
import type { DashboardSpec, StackContext } from "../component.js";
import { buildDashboard, type DashboardRow } from "../../dashboards/dashboard.js";
import { booleanMappings, stateTimelinePanel, statPanel, timeseriesPanel } from "../../dashboards/panels.js";
import {
  alertThreshold,
  bands,
  highIsBad,
  lowIsBad,
  okWhenOne,
  type AlertThresholdRef,
} from "../../dashboards/thresholds.js";
import { labelVariable } from "../../dashboards/variables.js";

export interface BlackboxDashboardSettings {
  readonly targets: readonly { readonly url: string; readonly tls_expiry: boolean }[];
  readonly tcp_targets: readonly unknown[];
  readonly icmp_targets: readonly unknown[];
}

export const BLACKBOX_THRESHOLDS = {
  slowProbe: { alert: "BlackboxProbeSlow", unit: "seconds", fallback: 1 },
  certificateWarning: {
    alert: "BlackboxCertificateExpiring",
    severity: "warning",
    unit: "days",
    fallback: 14,
  },
  certificateCritical: {
    alert: "BlackboxCertificateExpiring",
    severity: "critical",
    unit: "days",
    fallback: 3,
  },
  availability: { alert: "BlackboxAvailabilityLow", unit: "percent", fallback: 99.9 },
} as const satisfies Record<string, AlertThresholdRef>;

const SITE = `site=~"$site"`;
const HTTP = `job="blackbox_http", ${SITE}`;
const TLS = `job="blackbox_tls", ${SITE}`;
const TCP = `job="blackbox_tcp", ${SITE}`;
const ICMP = `job="blackbox_icmp", ${SITE}`;

/** 2xx and 3xx are answers; 0 is no answer at all. */
const httpStatusThresholds = () =>
  bands("red", [
    { value: 200, color: "green" },
    { value: 400, color: "red" },
  ]);

function upStat(title: string, selector: string, what: string): ReturnType<typeof statPanel> {
  return statPanel({
    title,
    description: `Whether the last probe of each ${what} succeeded.`,
    unit: "none",
    queries: [{ expr: `probe_success{${selector}}`, legend: "{{site}}" }],
    mappings: booleanMappings("UP", "DOWN"),
    thresholds: okWhenOne(),
    span: 6,
  });
}

export function blackboxDashboards<S extends BlackboxDashboardSettings>(
  settings: S,
  stack: StackContext,
): readonly DashboardSpec[] {
  const t = (ref: AlertThresholdRef) => alertThreshold(stack.alerts, ref);
  const th = BLACKBOX_THRESHOLDS;
  const http = settings.targets.length > 0;
  const tls = settings.targets.some((target) => target.tls_expiry && target.url.startsWith("https:"));
  const tcp = settings.tcp_targets.length > 0;
  const icmp = settings.icmp_targets.length > 0;
  if (!http && !tcp && !icmp) return [];
  const certificateThresholds = lowIsBad({
    critical: t(th.certificateCritical),
    warning: t(th.certificateWarning),
  });
  const slow = highIsBad({ warning: t(th.slowProbe) });
  const availability = (what: string, selector: string) =>
    statPanel({
      title: `${what} availability (30 days)`,
      description:
        "Share of successful probes over the last 30 days (or since monitoring began), as the availability alert counts them; red below its target.",
      unit: "percent",
      queries: [{ expr: `100 * avg_over_time(probe_success{${selector}}[30d])`, legend: "{{site}}" }],
      thresholds: lowIsBad({ critical: t(th.availability) }),
      decimals: 2,
      span: 6,
    });
  const certificateDays = `(probe_ssl_earliest_cert_expiry{${TLS}} - time()) / 86400`;

  const health: DashboardRow = {
    title: "Health",
    panels: [
      ...(http
        ? [
            upStat("Website up", HTTP, "website (the page answered 2xx or 3xx with a valid certificate)"),
            availability("Website", HTTP),
            statPanel({
              title: "Response time",
              description:
                "How long the last probe took, from DNS lookup to the last byte; orange where the slow-probe alert fires.",
              unit: "s",
              queries: [{ expr: `probe_duration_seconds{${HTTP}}`, legend: "{{site}}" }],
              thresholds: slow,
              span: 6,
            }),
            statPanel({
              title: "HTTP status",
              description:
                "The status code of the last answer; 0 when there was none (no connection, TLS error, timeout).",
              unit: "none",
              queries: [{ expr: `probe_http_status_code{${HTTP}}`, legend: "{{site}}" }],
              thresholds: httpStatusThresholds(),
              span: 6,
            }),
          ]
        : []),
      ...(tls
        ? [
            statPanel({
              title: "Certificate expires in",
              description:
                "Days until the first certificate of the chain expires; orange and red where the certificate alerts fire.",
              unit: "d",
              queries: [{ expr: certificateDays, legend: "{{site}}" }],
              thresholds: certificateThresholds,
              decimals: 1,
              span: 6,
            }),
          ]
        : []),
      ...(tcp
        ? [upStat("Port open", TCP, "port (a TCP connection was accepted)"), availability("Port", TCP)]
        : []),
      ...(icmp
        ? [upStat("Answers ping", ICMP, "host (it answered an ICMP echo)"), availability("Ping", ICMP)]
        : []),
    ],
  };

  const websites: DashboardRow = {
    title: "Websites",
    panels: [
      stateTimelinePanel({
        title: "Up over time",
        description: "Each website's probe result over the time range.",
        unit: "none",
        queries: [{ expr: `probe_success{${HTTP}}`, legend: "{{site}}" }],
        mappings: booleanMappings("UP", "DOWN"),
        thresholds: okWhenOne(),
      }),
      timeseriesPanel({
        title: "Response time by phase",
        description:
          "Where each probe's time goes: DNS lookup, connecting, TLS handshake, waiting for the first byte, transfer.",
        unit: "s",
        queries: [
          {
            expr: `sum by (site, phase) (probe_http_duration_seconds{${HTTP}})`,
            legend: "{{site}} {{phase}}",
          },
        ],
        stacked: true,
        thresholds: slow,
        min: 0,
      }),
      timeseriesPanel({
        title: "HTTP status code",
        description: "The status code of each answer over time; 0 means no answer.",
        unit: "none",
        queries: [{ expr: `probe_http_status_code{${HTTP}}`, legend: "{{site}}" }],
        min: 0,
      }),
      ...(tls
        ? [
            timeseriesPanel({
              title: "Days until the certificate expires",
              description:
                "Measured by a probe that accepts any certificate, so an expired or untrusted one is still seen. The dashed lines are the certificate alerts' thresholds.",
              unit: "d",
              queries: [{ expr: certificateDays, legend: "{{site}}" }],
              thresholds: certificateThresholds,
            }),
          ]
        : []),
    ],
  };

  const ports: DashboardRow = {
    title: "TCP ports",
    panels: [
      stateTimelinePanel({
        title: "Port open over time",
        description: "Each port's probe result over the time range.",
        unit: "none",
        queries: [{ expr: `probe_success{${TCP}}`, legend: "{{site}}" }],
        mappings: booleanMappings("UP", "DOWN"),
        thresholds: okWhenOne(),
        span: 12,
      }),
      timeseriesPanel({
        title: "Connect time",
        description: "How long each TCP probe took to connect.",
        unit: "s",
        queries: [{ expr: `probe_duration_seconds{${TCP}}`, legend: "{{site}}" }],
        thresholds: slow,
        min: 0,
      }),
    ],
  };

  const ping: DashboardRow = {
    title: "Ping",
    panels: [
      stateTimelinePanel({
        title: "Answers ping over time",
        description: "Each host's ping result over the time range.",
        unit: "none",
        queries: [{ expr: `probe_success{${ICMP}}`, legend: "{{site}}" }],
        mappings: booleanMappings("UP", "DOWN"),
        thresholds: okWhenOne(),
        span: 12,
      }),
      timeseriesPanel({
        title: "Round-trip time",
        description: "ICMP echo round-trip time per host.",
        unit: "s",
        queries: [{ expr: `probe_icmp_duration_seconds{${ICMP}, phase="rtt"}`, legend: "{{site}}" }],
        min: 0,
      }),
    ],
  };

  return [
    buildDashboard({
      uid: "stackmon-websites",
      title: "Websites",
      description:
        "Probes from this host: websites' availability, response time, status and certificates; TCP ports; ping.",
      tags: ["blackbox"],
      variables: [labelVariable("site", "Site", `probe_success{job=~"blackbox_.+"}`)],
      rows: [health, ...(http ? [websites] : []), ...(tcp ? [ports] : []), ...(icmp ? [ping] : [])],
      // A probe job's target is down (no probe_success) when the exporter itself is.
      health: `min(probe_success{job=~"blackbox_.+"}) or min(up{job=~"blackbox_.+"})`,
    }),
  ];
}

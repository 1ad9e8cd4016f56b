// What an alert is: a component declares its alerts as plain data plus two small functions of the
// tunable threshold, so that the Prometheus rules, the Grafana rules, the promtool tests, the
// `stackmon alerts` table and the dashboards' red lines all come from one number.

export const SEVERITIES = ["critical", "warning", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** How a threshold reads in tables and dashboards. */
export type ThresholdUnit = "percent" | "seconds" | "days" | "count" | "ratio" | "bytes" | "per-second";

export interface Threshold {
  readonly default: number;
  readonly unit: ThresholdUnit;
  /** The smallest and largest value that makes sense (a percentage is 0–100). */
  readonly min: number;
  readonly max: number;
  /**
   * How the comparison reads: "free space below", "busy above"; the value is appended, or put where
   * "{value}" stands ("free space below {value} and running out within 4 hours").
   */
  readonly reads: string;
}

/** One promtool test series, in promtool's expanding notation ("0+1x60", "5x120"). */
export interface TestSeries {
  readonly series: string;
  readonly values: string;
}

/** A promtool case: input series and, for a firing case, the alert it must produce. */
export interface AlertTestCase {
  readonly series: readonly TestSeries[];
  /** Minutes after the start at which the rule is evaluated. */
  readonly evalMinutes: number;
  /**
   * The firing case's alert: its labels beyond alertname and severity, and its annotations exactly
   * as the templates expand them. Absent for the quiet case (no alert expected).
   */
  readonly expect?: {
    readonly labels: Readonly<Record<string, string>>;
    readonly summary: string;
    readonly description: string;
  };
}

/** What a test case is built from: the effective threshold and `for`, as configured. */
export interface AlertTestInput {
  readonly threshold: number;
  /** The effective `for`, in whole minutes (rounded up). */
  readonly forMinutes: number;
}

export interface AlertTests {
  /**
   * Minutes between samples and between evaluations (default 1): coarser for alerts that look
   * back days, whose histories would otherwise take promtool minutes to evaluate.
   */
  readonly intervalMinutes?: number;
  /** A series that fires the alert at the configured threshold. */
  readonly fires: AlertTestCase;
  /**
   * A series near the threshold, on the healthy side: no alert. Only the Watchdog, which fires by
   * design at every evaluation, has none.
   */
  readonly quiet?: AlertTestCase;
}

export interface UpstreamAlert {
  readonly source:
    | "node-mixin"
    | "mysqld-mixin"
    | "prometheus-mixin"
    | "alertmanager-mixin"
    | "kube-prometheus"
    | "awesome-prometheus-alerts";
  readonly name: string;
}

export interface VerifyCheck {
  /** The check's name in verify's table: "node exporter collectors". */
  readonly check: string;
  /** The label that names what failed: "collector". */
  readonly nameLabel: string;
}

export interface AlertDefinition {
  /** The alertname; a warning and a critical variant of one condition share it. */
  readonly name: string;
  readonly severity: Severity;
  /** Default `for`; "0s" fires at the first evaluation. */
  readonly for: string;
  readonly threshold?: Threshold;
  /** PromQL with its comparison, given the effective threshold (ignored when there is none). */
  expr(threshold: number): string;
  /**
   * Go templates over $labels and $value, written for a person reading chat:
   * "4% free on / at web1", "certificate for shop.example.com expires in 5 days".
   */
  readonly summary: string;
  readonly description: string;
  /**
   * The same alert in a public rule set (node-mixin, awesome-prometheus-alerts...), so runbooks
   * found online apply: its name there, which is this one's wherever the condition is the same.
   */
  readonly upstream?: UpstreamAlert;
  /**
   * Alerts of the same target (same instance) held back while this one fires, because they say
   * the same thing less well (a site that is down also answers with an error status).
   */
  readonly inhibits?: readonly string[];
  /**
   * `stackmon verify` evaluates the expression at once (no `for`) and fails naming each result by
   * this label: for the monitoring's own blind spots, such as a collector that fails.
   */
  readonly verify?: VerifyCheck;
  /** promtool cases built for the effective threshold, so a tuned rule is still tested. */
  tests(input: AlertTestInput): AlertTests;
}

/** An alert as this config has it: overrides applied, owned by a component. */
export interface ResolvedAlert {
  readonly name: string;
  readonly component: string;
  readonly componentTitle: string;
  readonly severity: Severity;
  readonly for: string;
  readonly threshold?: { readonly value: number } & Omit<Threshold, "default">;
  readonly expr: string;
  readonly summary: string;
  readonly description: string;
  /** Its section of docs/alerting.md (or of alerting.runbook_url's copy of it). */
  readonly runbook: string;
  readonly upstream?: UpstreamAlert;
  readonly inhibits?: readonly string[];
  readonly verify?: VerifyCheck;
  /** False when the component is off or the rule is disabled; such alerts render nothing. */
  readonly enabled: boolean;
  /** Why it is off: its component is not enabled, or alerting.rules turned it off. */
  readonly disabledBy?: "component" | "config";
  readonly tests: AlertTests;
}

// The catalog as Prometheus rule files (one per component, one group each) and as promtool unit
// tests: for every alert a case that fires it and one that keeps it quiet.
import { stringify } from "yaml";
import type { AlertTestCase, ResolvedAlert } from "./alertRule.js";

const HEADER = "# Rendered by stackmon from stackmon.yml; edits are overwritten on the next apply.\n";

/** Labels every rule carries: routing by severity, and which component raised it. */
export function ruleLabels(alert: ResolvedAlert): Record<string, string> {
  return { component: alert.component, severity: alert.severity };
}

export function ruleAnnotations(alert: ResolvedAlert): Record<string, string> {
  return {
    description: alert.description,
    runbook_url: alert.runbook,
    summary: alert.summary,
  };
}

function prometheusRule(alert: ResolvedAlert): Record<string, unknown> {
  return {
    alert: alert.name,
    expr: alert.expr,
    for: alert.for,
    labels: ruleLabels(alert),
    annotations: ruleAnnotations(alert),
  };
}

/** One rule file's text: the given alerts as one group named after their component. */
export function renderRuleFile(group: string, alerts: readonly ResolvedAlert[]): string {
  const document = { groups: [{ name: group, rules: alerts.map(prometheusRule) }] };
  return `${HEADER}${stringify(document, { lineWidth: 0 })}`;
}

/** Enabled alerts by component id, sorted. */
export function alertsByComponent(alerts: readonly ResolvedAlert[]): Map<string, ResolvedAlert[]> {
  const groups = new Map<string, ResolvedAlert[]>();
  for (const alert of alerts) {
    if (!alert.enabled) continue;
    groups.set(alert.component, [...(groups.get(alert.component) ?? []), alert]);
  }
  return new Map([...groups].sort(([a], [b]) => a.localeCompare(b)));
}

export interface RuleTestFile {
  /** Relative path inside the test directory. */
  readonly path: string;
  readonly content: string;
}

/**
 * promtool test files. Each alert variant is tested against a rule file holding only itself, so a
 * critical case is not confused by its warning twin firing at the same time.
 */
export function renderRuleTests(alerts: readonly ResolvedAlert[]): RuleTestFile[] {
  return alerts
    .filter((a) => a.enabled)
    .flatMap((alert) => {
      const base = `${alert.name}.${alert.severity}`;
      const tests = {
        rule_files: [`${base}.rules.yml`],
        evaluation_interval: `${alert.tests.intervalMinutes ?? 1}m`,
        tests: [
          testGroup(alert, "fires", alert.tests.fires),
          ...(alert.tests.quiet ? [testGroup(alert, "stays quiet", alert.tests.quiet)] : []),
        ],
      };
      return [
        { path: `${base}.rules.yml`, content: renderRuleFile(alert.component, [alert]) },
        { path: `${base}.test.yml`, content: stringify(tests, { lineWidth: 0 }) },
      ];
    });
}

function testGroup(alert: ResolvedAlert, what: string, testCase: AlertTestCase): Record<string, unknown> {
  const expect = testCase.expect;
  return {
    name: `${alert.name} (${alert.severity}) ${what}`,
    interval: `${alert.tests.intervalMinutes ?? 1}m`,
    input_series: testCase.series.map((s) => ({ series: s.series, values: s.values })),
    alert_rule_test: [
      {
        eval_time: `${testCase.evalMinutes}m`,
        alertname: alert.name,
        exp_alerts: expect
          ? [
              {
                exp_labels: { ...expect.labels, ...ruleLabels(alert) },
                exp_annotations: {
                  description: expect.description,
                  runbook_url: alert.runbook,
                  summary: expect.summary,
                },
              },
            ]
          : [],
      },
    ],
  };
}

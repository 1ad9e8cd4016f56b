// The overview: one health tile per component dashboard (linking to it), every scrape target up
// or down, and the alerts firing now. Built from the other dashboards' health expressions and the
// alert catalog, so it needs no component of its own.
import { SEVERITIES, type Severity } from "../alerting/alertRule.js";
import type { DashboardSpec, StackContext } from "../components/component.js";
import { buildDashboard, dashboardUrl, type DashboardRow } from "./dashboard.js";
import {
  alertListPanel,
  booleanMappings,
  stateTimelinePanel,
  statPanel,
  tablePanel,
  timeseriesPanel,
} from "./panels.js";
import { badWhenAny, bands, okWhenOne, type StepColor } from "./thresholds.js";
import { OVERVIEW_DASHBOARD_UID } from "../components/shared/grafanaDatasources.js";

/** The always-firing alert that proves the pipeline works: shown as a tile, not as a problem. */
const WATCHDOG = "Watchdog";
const FIRING = `alertstate="firing", alertname!="${WATCHDOG}"`;
const SEVERITY_COLORS: Record<Severity, StepColor> = { critical: "red", warning: "orange", info: "blue" };

/** In title order: the registry's order means nothing. */
function healthTiles(dashboards: readonly DashboardSpec[]): ReturnType<typeof statPanel>[] {
  const byTitle = [...dashboards].sort((a, b) => a.title.localeCompare(b.title));
  return byTitle.flatMap((d) =>
    d.health === undefined
      ? []
      : [
          statPanel({
            title: d.title,
            description: `Whether everything on the ${d.title} dashboard is healthy. Click to open it.`,
            unit: "none",
            queries: [{ expr: d.health, legend: d.title }],
            mappings: booleanMappings("OK", "FAILING"),
            thresholds: okWhenOne(),
            links: [{ title: `Open ${d.title}`, url: dashboardUrl(d.uid) }],
          }),
        ],
  );
}

/** Firing alerts from the ALERTS series Prometheus keeps for its rules. */
function prometheusAlertRows(stack: StackContext): DashboardRow[] {
  const watchdog = stack.alerts.some((a) => a.name === WATCHDOG);
  // Most urgent first.
  const severities = SEVERITIES.filter((severity) => stack.alerts.some((a) => a.severity === severity));
  return [
    {
      title: "Alerts",
      panels: [
        ...severities.map((severity) =>
          statPanel({
            title: `Firing ${severity}`,
            description: `Alerts of severity ${severity} firing now.`,
            unit: "none",
            queries: [
              { expr: `count(ALERTS{${FIRING}, severity="${severity}"}) or vector(0)`, legend: severity },
            ],
            thresholds: bands("green", [{ value: 1, color: SEVERITY_COLORS[severity] }]),
          }),
        ),
        ...(watchdog
          ? [
              statPanel({
                title: "Alerting pipeline",
                description:
                  "Whether the Watchdog alert, which always fires, is firing: when it is not, Prometheus evaluates no rules.",
                unit: "none",
                queries: [
                  {
                    expr: `count(ALERTS{alertname="${WATCHDOG}", alertstate="firing"}) or vector(0)`,
                    legend: "Watchdog",
                  },
                ],
                mappings: booleanMappings("WORKING", "SILENT"),
                thresholds: okWhenOne(),
              }),
            ]
          : []),
        tablePanel({
          title: "Firing alerts",
          description: "Every alert firing now, with its labels.",
          unit: "none",
          queries: [{ expr: `ALERTS{${FIRING}}` }],
          columns: [
            "alertname",
            "severity",
            "component",
            "job",
            "instance",
            "site",
            "name",
            "backup",
            "mountpoint",
          ],
          emptyWhen: "no alert is firing, as on a healthy stack",
        }),
        timeseriesPanel({
          title: "Firing alerts over time",
          description: "How many alerts fired, by severity.",
          unit: "none",
          queries: severities.map((severity) => ({
            expr: `count(ALERTS{${FIRING}, severity="${severity}"}) or vector(0)`,
            legend: severity,
          })),
          min: 0,
          span: 24,
        }),
      ],
    },
  ];
}

/** Grafana-managed alerts have no ALERTS series: Grafana's own alert list shows them. */
function grafanaAlertRows(): DashboardRow[] {
  return [
    {
      title: "Alerts",
      panels: [
        alertListPanel({
          title: "Firing alerts",
          description: "Alerts Grafana evaluates that are firing or pending now.",
        }),
      ],
    },
  ];
}

export function overviewDashboard(dashboards: readonly DashboardSpec[], stack: StackContext): DashboardSpec {
  const targets: DashboardRow = {
    title: "Targets",
    panels: [
      statPanel({
        title: "Targets up",
        description: "Scrape targets Prometheus reaches.",
        unit: "none",
        queries: [{ expr: `count(up == 1) or vector(0)`, legend: "up" }],
      }),
      statPanel({
        title: "Targets down",
        description: "Scrape targets Prometheus cannot reach: an exporter, or a probed site, is down.",
        unit: "none",
        queries: [{ expr: `count(up == 0) or vector(0)`, legend: "down" }],
        thresholds: badWhenAny(),
      }),
      tablePanel({
        title: "Every target",
        description: "Each scrape target, up or down now.",
        unit: "none",
        queries: [{ expr: `up` }],
        columns: ["job", "instance", "site"],
        valueColumn: "State",
        mappings: booleanMappings("UP", "DOWN"),
        thresholds: okWhenOne(),
        span: 12,
      }),
      stateTimelinePanel({
        title: "Targets over time",
        description: "Each scrape target up or down over the time range.",
        unit: "none",
        queries: [{ expr: `up`, legend: "{{job}} {{instance}}" }],
        mappings: booleanMappings("UP", "DOWN"),
        thresholds: okWhenOne(),
        span: 12,
      }),
    ],
  };
  const alertRows =
    stack.alerting.engine === "grafana"
      ? grafanaAlertRows()
      : stack.alerts.length > 0
        ? prometheusAlertRows(stack)
        : [];

  return buildDashboard({
    uid: OVERVIEW_DASHBOARD_UID,
    title: "Overview",
    description:
      "The whole stack at a glance: each component's health, every target, and the alerts firing now.",
    tags: ["overview"],
    variables: [],
    rows: [{ title: "Health", panels: healthTiles(dashboards) }, targets, ...alertRows],
  });
}

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  EVERY_COMPONENT_CONFIG,
  GRAFANA_ALERTING_CONFIG,
  dashboardsOf,
} from "../../test/helpers/dashboardConfigs.js";
import { inventoryOf, parseDashboard } from "./inventory.js";
import { OVERVIEW_DASHBOARD_UID } from "../components/shared/grafanaDatasources.js";

const overviewOf = (configText: string) => {
  const dashboards = dashboardsOf(configText);
  const overview = dashboards.find((d) => d.uid === OVERVIEW_DASHBOARD_UID);
  assert.ok(overview, "the overview is rendered");
  return { dashboards, overview };
};

describe("the overview dashboard", () => {
  it("has one health tile per component dashboard, querying its health and linking to it", () => {
    const { dashboards, overview } = overviewOf(EVERY_COMPONENT_CONFIG);
    const tiles = parseDashboard(overview).panels.flatMap((p) =>
      p.type === "stat" && p.links?.length ? [p] : [],
    );
    const withHealth = dashboards
      .filter((d) => d.health !== undefined)
      .sort((a, b) => a.title.localeCompare(b.title));
    assert.equal(
      withHealth.length,
      dashboards.length - 1,
      "every component dashboard says how healthy it is",
    );
    assert.deepEqual(
      tiles.map((t) => [t.title, t.targets?.[0]?.expr, t.links?.[0]?.url]),
      withHealth.map((d) => [d.title, d.health, `/d/${d.uid}?\${__url_time_range}`]),
    );
  });

  it("shows every scrape target and, with Prometheus alerting, the firing alerts from ALERTS", () => {
    const { overview } = overviewOf(EVERY_COMPONENT_CONFIG);
    const panels = inventoryOf(overview).panels;
    const exprs = panels.flatMap((p) => p.queries.map((q) => q.expr));
    assert.ok(exprs.includes("up"), "every target's up");
    const firing = panels.find((p) => p.title === "Firing alerts");
    assert.match(firing?.queries[0]?.expr ?? "", /^ALERTS\{alertstate="firing", alertname!="Watchdog"\}$/);
    assert.equal(firing?.emptyWhen, "no alert is firing, as on a healthy stack");
    assert.ok(
      panels.some((p) => p.title === "Alerting pipeline"),
      "the Watchdog has its tile",
    );
  });

  it("lists Grafana's own alerts when Grafana evaluates them (there is no ALERTS series then)", () => {
    const { overview } = overviewOf(GRAFANA_ALERTING_CONFIG);
    const panels = inventoryOf(overview).panels;
    assert.ok(panels.some((p) => p.type === "alertlist"));
    assert.ok(!panels.some((p) => p.queries.some((q) => q.expr.includes("ALERTS"))));
  });
});

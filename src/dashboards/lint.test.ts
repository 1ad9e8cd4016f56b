import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DashboardSpec } from "../components/component.js";
import { EVERY_CASE, EVERY_COMPONENT_CONFIG, dashboardsOf } from "../../test/helpers/dashboardConfigs.js";
import { lintDashboard, lintDashboards } from "./lint.js";

type Json = Record<string, unknown> & { panels: Panel[]; templating: { list: Record<string, unknown>[] } };
type Panel = Record<string, unknown> & {
  title: string;
  type: string;
  fieldConfig: { defaults: Record<string, unknown> };
  targets: Record<string, unknown>[];
  gridPos: Record<string, number>;
};

const node = () => {
  const spec = dashboardsOf(EVERY_COMPONENT_CONFIG).find((d) => d.uid === "stackmon-node");
  assert.ok(spec);
  return spec;
};

/** A copy of a dashboard with its JSON changed by `change`. */
function changed(spec: DashboardSpec, change: (json: Json) => void): DashboardSpec {
  const json = structuredClone(spec.json) as Json;
  change(json);
  return { ...spec, json };
}

/** The first panel of a kind that has queries. */
function firstPanel(json: Json, type = "timeseries"): Panel {
  const panel = json.panels.find((p) => p.type === type);
  assert.ok(panel, `a ${type} panel`);
  return panel;
}

describe("dashboard lint", () => {
  for (const { name, dashboards } of EVERY_CASE) {
    it(`finds nothing wrong with the dashboards of ${name}`, () => {
      assert.deepEqual(lintDashboards(dashboards()), []);
    });
  }

  it("finds a panel without a unit, and one with a unit Grafana does not know", () => {
    const noUnit = changed(node(), (json) => delete firstPanel(json).fieldConfig.defaults["unit"]);
    assert.match(lintDashboard(noUnit).join("\n"), /has no unit/);
    const unknown = changed(node(), (json) => (firstPanel(json).fieldConfig.defaults["unit"] = "furlongs"));
    assert.match(lintDashboard(unknown).join("\n"), /unit "furlongs", which Grafana does not know/);
  });

  it("finds a rate over a fixed window instead of $__rate_interval", () => {
    const spec = changed(node(), (json) => {
      const target = firstPanel(json).targets[0] as Record<string, unknown>;
      target["expr"] = 'rate(node_cpu_seconds_total{job="node", instance=~"$instance"}[5m])';
    });
    assert.match(lintDashboard(spec).join("\n"), /rate\(\) over \[5m\], not \[\$__rate_interval\]/);
  });

  it("finds a selector without its job or not narrowed by the instance variable", () => {
    const spec = changed(node(), (json) => {
      const target = firstPanel(json).targets[0] as Record<string, unknown>;
      target["expr"] = "node_load1";
    });
    const problems = lintDashboard(spec).join("\n");
    assert.match(problems, /node_load1 has no job matcher/);
    assert.match(problems, /node_load1 is not narrowed by instance=~"\$instance"/);
  });

  it("finds an import placeholder and a datasource other than the provisioned one", () => {
    const spec = changed(node(), (json) => {
      firstPanel(json)["datasource"] = { type: "prometheus", uid: "${DS_PROMETHEUS}" };
    });
    const problems = lintDashboard(spec).join("\n");
    assert.match(problems, /import placeholder/);
    assert.match(problems, /uses datasource .*DS_PROMETHEUS.*, not \$datasource or stackmon-prometheus/);
  });

  it("finds a datasource variable whose default is not the provisioned uid", () => {
    const spec = changed(node(), (json) => {
      const variable = json.templating.list.find((v) => v["name"] === "datasource");
      assert.ok(variable);
      variable["current"] = { text: "Prometheus", value: "prometheus-old" };
    });
    assert.match(lintDashboard(spec).join("\n"), /defaults to prometheus-old, not stackmon-prometheus/);
  });

  it("finds a query using a variable the dashboard does not define, and a variable nothing uses", () => {
    const spec = changed(node(), (json) => {
      for (const panel of json.panels)
        for (const target of panel.targets ?? [])
          target["expr"] = String(target["expr"]).replaceAll('instance=~"$instance"', 'instance=~"$host"');
    });
    const problems = lintDashboard(spec).join("\n");
    assert.match(problems, /uses undefined \$host/);
    assert.match(problems, /variable instance is never used/);
  });

  it("finds what Grafana's schema refuses: a panel beyond the grid, an Angular panel type", () => {
    const wide = changed(node(), (json) => (firstPanel(json).gridPos["x"] = 20));
    assert.match(lintDashboard(wide).join("\n"), /reaches beyond the 24 columns/);
    const angular = changed(node(), (json) => (firstPanel(json).type = "graph"));
    assert.match(lintDashboard(angular).join("\n"), /panels\.\d+\.type/);
  });

  it("finds a panel without a description", () => {
    const spec = changed(node(), (json) => delete firstPanel(json)["description"]);
    assert.match(lintDashboard(spec).join("\n"), /has no description/);
  });

  it("finds two dashboards with one uid, and a link to a dashboard that is not there", () => {
    const all = dashboardsOf(EVERY_COMPONENT_CONFIG);
    const twice = lintDashboards([...all, node()]).join("\n");
    assert.match(twice, /stackmon-node: two dashboards have this uid/);
    const withoutNode = lintDashboards(all.filter((d) => d.uid !== "stackmon-node")).join("\n");
    assert.match(withoutNode, /stackmon-overview: links to \/d\/stackmon-node, which is no dashboard here/);
  });
});

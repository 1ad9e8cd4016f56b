import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  PROMETHEUS_DATASOURCE_UID,
  STORAGE_DATASOURCE_UID,
} from "../components/shared/grafanaDatasources.js";
import {
  EVERY_CASE,
  EVERY_COMPONENT_CONFIG,
  GRAFANA_ALERTING_CONFIG,
  SUPERVISED,
  SYSTEMD_HOST,
  dashboardsOf,
  everyComponentConfigWith,
} from "../../test/helpers/dashboardConfigs.js";
import { parse } from "yaml";
import { maskedText } from "../render/fileContent.js";
import { parseStackConfig, renderStack } from "../stack.js";
import { parseDashboard } from "./inventory.js";
import { sortedKeys } from "./dashboard.js";

interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe("stackmon dashboards", () => {
  it("are byte-identical for the same config, with every object's keys sorted", () => {
    const first = JSON.stringify(dashboardsOf(EVERY_COMPONENT_CONFIG));
    const second = JSON.stringify(dashboardsOf(EVERY_COMPONENT_CONFIG));
    assert.equal(first, second);
    for (const spec of dashboardsOf(EVERY_COMPONENT_CONFIG))
      assert.equal(
        JSON.stringify(spec.json),
        JSON.stringify(sortedKeys(spec.json)),
        `${spec.uid} has sorted keys`,
      );
  });

  it("are plain JSON: what is written to the file is what the renderer holds", () => {
    for (const spec of dashboardsOf(EVERY_COMPONENT_CONFIG))
      assert.deepEqual(JSON.parse(JSON.stringify(spec.json)), spec.json, spec.uid);
  });

  it("keep their uids whatever the config, one dashboard per component that has something to show", () => {
    assert.deepEqual(
      dashboardsOf(EVERY_COMPONENT_CONFIG).map((d) => d.uid),
      [
        "stackmon-alertmanager",
        "stackmon-backups",
        "stackmon-mysql",
        "stackmon-node",
        "stackmon-overview",
        "stackmon-pm2",
        "stackmon-prometheus",
        "stackmon-storage",
        "stackmon-websites",
      ],
    );
    // Blackbox with nothing to probe has nothing to show.
    assert.ok(!dashboardsOf("global: {hostname: web1}\n").some((d) => d.uid === "stackmon-websites"));
  });

  it("resolve every panel's and every query's datasource to the provisioned Prometheus uid", () => {
    for (const { name, dashboards } of EVERY_CASE) {
      for (const spec of dashboards()) {
        const dashboard = parseDashboard(spec);
        const variable = dashboard.templating.list.find((v) => v.type === "datasource");
        const resolve = (uid: string | undefined) =>
          uid === "${datasource}" || uid === "$datasource" ? variable?.current?.value : uid;
        for (const panel of dashboard.panels) {
          if (panel.type === "row" || panel.type === "alertlist") continue;
          const where = `${name}: ${spec.uid} "${panel.title}"`;
          assert.equal(resolve(panel.datasource?.uid), PROMETHEUS_DATASOURCE_UID, where);
          for (const target of panel.targets ?? [])
            assert.equal(
              resolve(target.datasource?.uid),
              PROMETHEUS_DATASOURCE_UID,
              `${where} ${target.refId}`,
            );
        }
        for (const v of dashboard.templating.list.filter((v) => v.type === "query"))
          assert.equal(resolve(v.datasource?.uid), PROMETHEUS_DATASOURCE_UID, `${spec.uid} $${v.name}`);
      }
    }
  });

  for (const [what, config, defaultUid] of [
    [
      "without long-term storage",
      everyComponentConfigWith("storage", { enabled: false }),
      PROMETHEUS_DATASOURCE_UID,
    ],
    ["with long-term storage", EVERY_COMPONENT_CONFIG, STORAGE_DATASOURCE_UID],
  ] as const) {
    it(`as Grafana's files hold them ${what}, default to the datasource Grafana is provisioned with as its default`, () => {
      const state = renderStack(parseStackConfig(config, "stackmon.yml", {}), SYSTEMD_HOST);
      const text = (path: string) => maskedText(state.files.find((f) => f.path === path)?.content ?? "");
      const provisioned = parse(text("/etc/grafana/provisioning/datasources/stackmon.yaml")) as {
        datasources: { type: string; uid: string; isDefault: boolean }[];
      };
      const defaults = provisioned.datasources.filter((d) => d.isDefault);
      assert.deepEqual(
        defaults.map((d) => [d.type, d.uid]),
        [["prometheus", defaultUid]],
        "one default, PromQL",
      );
      const files = state.files.filter((f) => f.path.startsWith("/etc/grafana/dashboards/stackmon/"));
      assert.equal(files.length, dashboardsOf(config).length, "every dashboard is written");
      for (const file of files) {
        const json = maskedText(file.content);
        const variable = parseDashboard({
          uid: "",
          title: "",
          json: JSON.parse(json) as Record<string, unknown>,
        }).templating.list.find((v) => v.name === "datasource");
        assert.equal(
          variable?.current?.value,
          defaultUid,
          `${file.path}: $datasource defaults to ${defaultUid}`,
        );
        // Besides the dashboard's own uid, every uid in it is a datasource reference.
        const own = file.path.replace(/^.*\/(.*)\.json$/, "$1");
        const uids = new Set([...json.matchAll(/"uid":\s*"([^"]*)"/g)].map((m) => m[1]));
        uids.delete(own);
        assert.deepEqual(
          [...uids],
          ["${datasource}"],
          `${file.path} refers to datasources by $datasource only`,
        );
      }
    });
  }

  it("lay panels out on the grid without overlaps, health stats above trends, ids in order", () => {
    for (const spec of dashboardsOf(EVERY_COMPONENT_CONFIG)) {
      const panels = parseDashboard(spec).panels;
      assert.deepEqual(
        panels.map((p) => p.id),
        panels.map((_, i) => i + 1),
        `${spec.uid} numbers its panels 1, 2, 3...`,
      );
      panels.forEach((a, i) =>
        panels
          .slice(i + 1)
          .forEach((b) => assert.ok(!overlaps(a.gridPos, b.gridPos), `${spec.uid}: ${a.title} / ${b.title}`)),
      );
      for (const [i, panel] of panels.entries()) {
        const next = panels[i + 1];
        if (next)
          assert.ok(
            next.gridPos.y >= panel.gridPos.y,
            `${spec.uid}: ${next.title} is not above ${panel.title}`,
          );
      }
      assert.equal(panels[0]?.type, "row", `${spec.uid} starts with a row`);
      assert.equal(panels[0]?.title, "Health", `${spec.uid} starts with its health`);
    }
  });

  it("carry the dashboard schema of Grafana 12.2 and later (schemaVersion 42), as docs/dashboards.md says", () => {
    for (const spec of dashboardsOf(EVERY_COMPONENT_CONFIG))
      assert.equal(parseDashboard(spec).schemaVersion, 42);
  });

  it("link to one another through the stackmon tag, keeping the time range", () => {
    for (const spec of dashboardsOf(EVERY_COMPONENT_CONFIG)) {
      const dashboard = parseDashboard(spec);
      assert.ok(dashboard.tags.includes("stackmon"), spec.uid);
      const link = dashboard.links.find((l) => l.type === "dashboards");
      assert.deepEqual(link?.tags, ["stackmon"], spec.uid);
      assert.equal(link?.keepTime, true, spec.uid);
    }
  });

  it("leave out panels the stack cannot fill: systemd units under stackmon up, Alertmanager with Grafana alerting", () => {
    const titles = (configText: string, uid: string, target = SUPERVISED) =>
      parseDashboard(
        dashboardsOf(configText, target).find((d) => d.uid === uid) ?? assert.fail(uid),
      ).panels.map((p) => p.title);
    assert.ok(
      titles(EVERY_COMPONENT_CONFIG, "stackmon-node", { root: "", platform: "systemd" }).includes(
        "Failed units",
      ),
    );
    assert.ok(!titles(EVERY_COMPONENT_CONFIG, "stackmon-node").includes("Failed units"));
    assert.ok(titles(EVERY_COMPONENT_CONFIG, "stackmon-prometheus").includes("Alertmanagers"));
    assert.ok(!titles(GRAFANA_ALERTING_CONFIG, "stackmon-prometheus").includes("Alertmanagers"));
    assert.ok(titles(EVERY_COMPONENT_CONFIG, "stackmon-backups").includes("Server"));
    assert.ok(
      !titles("exporters: {duplicati: {enabled: true, token_file: /t}}\n", "stackmon-backups").includes(
        "Server",
      ),
    );
  });
});

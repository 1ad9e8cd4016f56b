// What every component of the registry promises the core, checked for each one: a new component
// that breaks a promise is named here.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enabledComponents } from "../render/enabledComponents.js";
import { stackContext, withDashboards } from "../render/render.js";
import { parseStackConfig } from "../stack.js";
import { EVERY_COMPONENT_CONFIG, SYSTEMD_HOST } from "../../test/helpers/dashboardConfigs.js";
import { components } from "./registry.js";

describe("every component of the registry", () => {
  it("declares the uids of exactly the dashboards it builds", () => {
    const config = parseStackConfig(EVERY_COMPONENT_CONFIG, "stackmon.yml", {});
    const enabled = enabledComponents(components, config, SYSTEMD_HOST);
    const stack = withDashboards(stackContext(config, SYSTEMD_HOST, components, enabled), enabled);
    for (const component of components) {
      const settings = enabled.find((e) => e.component === component)?.settings;
      assert.ok(settings, `${component.id} is enabled by the every-component config`);
      const built = component.dashboards(settings, stack).map((d) => d.uid);
      assert.deepEqual(built, component.dashboardUids, component.id);
    }
  });
});

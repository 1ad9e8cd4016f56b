// What every component of the registry promises the core, checked for each one: a new component
// that breaks a promise is named here.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { enabledComponents } from "../render/enabledComponents.js";
import { stackContext, withDashboards } from "../render/render.js";
import { parseStackConfig, renderStack } from "../stack.js";
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

/** The source files under a folder of src/, tests left out. */
function sources(folder: string): string[] {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", folder);
  return readdirSync(root, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"))
    .map((file) => join(root, file));
}

describe("render", () => {
  it("never refuses a config with a user error: validation owns every config error", () => {
    const renderers = [
      ...sources("components"),
      ...sources("dashboards"),
      join(dirname(fileURLToPath(import.meta.url)), "..", "render", "render.ts"),
    ];
    const refusing = renderers.filter((file) => /\bnew UserError\(/.test(readFileSync(file, "utf8")));
    assert.deepEqual(
      refusing.map((file) => relative(process.cwd(), file)),
      [],
    );
  });
});

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The units every component renders on a systemd host, with every component on. */
function everyUnit(): string[] {
  const config = parseStackConfig(EVERY_COMPONENT_CONFIG, "stackmon.yml", {});
  return renderStack(config, SYSTEMD_HOST).services.map((s) => s.unit);
}

/** The apt packages the registry installs from the distribution (not from a vendor's repository). */
function distributionPackages(): string[] {
  const config = parseStackConfig(EVERY_COMPONENT_CONFIG, "stackmon.yml", {});
  return renderStack(config, SYSTEMD_HOST)
    .packages.filter((p) => p.repository === undefined)
    .flatMap((p) => (p.binary.packages.apt ? [p.binary.packages.apt] : []));
}

describe("lists kept outside the registry name every component", () => {
  it("scripts/ensure-debian-packages.sh installs every distribution package a component uses", () => {
    const script = readFileSync(join(REPO, "scripts/ensure-debian-packages.sh"), "utf8");
    const list = /^packages=\(([^)]*)\)/m.exec(script)?.[1] ?? assert.fail("no packages=(...) in the script");
    const installed = new Set(list.split(/\s+/));
    assert.deepEqual(
      distributionPackages().filter((name) => !installed.has(name)),
      [],
      "packages missing from the test script",
    );
  });

  it("docs/dashboards.md describes every dashboard of the registry", () => {
    const docs = readFileSync(join(REPO, "docs/dashboards.md"), "utf8");
    const section = docs.slice(docs.indexOf("## The dashboards"), docs.indexOf("## What they share"));
    const described = new Set([...section.matchAll(/^- \*\*[^*]+\*\* \(`([\w-]+)`/gm)].map((m) => m[1]));
    assert.deepEqual(
      components.flatMap((c) => c.dashboardUids).filter((uid) => !described.has(uid)),
      [],
      "dashboards missing from docs/dashboards.md",
    );
  });

  it("docs/install.md's hardening table lists every unit stackmon manages", () => {
    const docs = readFileSync(join(REPO, "docs/install.md"), "utf8");
    const table = docs.slice(docs.indexOf("## Hardening"), docs.indexOf("Hardening must never change"));
    const listed = new Set([...table.matchAll(/^\| ([\w.-]+\.service) +\|/gm)].map((m) => m[1]));
    assert.deepEqual(
      everyUnit().filter((unit) => !listed.has(unit)),
      [],
      "units missing from the table",
    );
  });
});

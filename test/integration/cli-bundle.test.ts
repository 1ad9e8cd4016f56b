// The command line as `npm run build` bundles it (dist/cli/, what bin points at and install.sh
// installs) answers as the sources do: every command's help, errors with their positions, and a
// render of every component byte for byte.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fullExampleText } from "../../src/loadStack.js";
import { buildStackmonCopy } from "../e2e/artifacts.js";
import { REPO_ROOT, runCli, tempDir } from "../helpers/stackmon.js";

let copy = "";
const dir = tempDir("stackmon-bundle-");
before(() => {
  copy = buildStackmonCopy();
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
  if (copy) rmSync(copy, { recursive: true, force: true });
});

function runBuilt(args: readonly string[], root = copy) {
  const bin = (
    JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { bin: Record<string, string> }
  ).bin["stackmon"];
  assert.ok(bin, "package.json names the stackmon bin");
  const result = spawnSync(process.execPath, [join(root, bin), ...args], { cwd: dir, encoding: "utf8" });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Every file under a directory with its content, by relative path. */
function tree(root: string): Map<string, string> {
  const paths = readdirSync(root, { recursive: true, encoding: "utf8" })
    .filter((path) => statSync(join(root, path)).isFile())
    .sort();
  return new Map(paths.map((path) => [path, readFileSync(join(root, path), "utf8")]));
}

describe("the bundled command line", () => {
  it("is what package.json's bin points at, and answers --help as the sources do", () => {
    const built = runBuilt(["--help"]);
    assert.equal(built.status, 0, built.stderr);
    assert.equal(built.stdout, runCli(["--help"]).stdout);
  });

  it("reports a config mistake with its position and exit 1, without a stack trace", () => {
    writeFileSync(join(dir, "bad.yml"), "exporters:\n  blackbox:\n    targets:\n      - url: ftp://x\n");
    const built = runBuilt(["validate", "-c", "bad.yml"]);
    assert.equal(built.status, 1);
    assert.match(built.stderr, /^bad\.yml:4:14: exporters\.blackbox\.targets\[0\]\.url: /m);
    assert.doesNotMatch(built.stderr, /\n\s+at /);
  });

  it("renders every component's example byte for byte as the sources do (dashboards included)", () => {
    writeFileSync(join(dir, "full.yml"), fullExampleText());
    const built = runBuilt(["render", "-c", "full.yml", "--out", "built"]);
    assert.equal(built.status, 0, built.stderr);
    const source = runCli(["render", "-c", "full.yml", "--out", "source"], { cwd: dir });
    assert.equal(source.status, 0, source.stderr);
    const rendered = tree(join(dir, "built"));
    assert.ok([...rendered.keys()].some((path) => path.includes("grafana/dashboards")));
    assert.deepEqual(rendered, tree(join(dir, "source")));
  });

  it("runs on the production dependencies alone, as install.sh installs them (npm ci --omit=dev)", () => {
    // The built package beside a node_modules holding only what the lockfile does not mark dev.
    const installed = join(dir, "installed");
    cpSync(join(copy, "dist"), join(installed, "dist"), { recursive: true });
    cpSync(join(copy, "package.json"), join(installed, "package.json"));
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, "npm-shrinkwrap.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean }>;
    };
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (!/^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) || entry.dev === true) continue;
      mkdirSync(dirname(join(installed, path)), { recursive: true });
      symlinkSync(join(REPO_ROOT, path), join(installed, path));
    }
    writeFileSync(join(dir, "full.yml"), fullExampleText());
    const built = runBuilt(["render", "-c", "full.yml", "--out", "production"], installed);
    assert.equal(built.status, 0, built.stderr);
    assert.deepEqual(tree(join(dir, "production")), tree(join(dir, "built")));
  });
});

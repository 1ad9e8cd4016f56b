// What the container installs from: stackmon's package (npm pack of this working tree, built in
// a copy so the checkout's own dist/ is left alone) and a Node.js tarball in the official layout,
// made from this machine's Node and npm (same Debian base, so it runs inside).
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { REPO_ROOT } from "../helpers/stackmon.js";
import { E2E_CACHE_DIR } from "./debianRootfs.js";

function run(command: string, args: readonly string[], cwd: string): string {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/**
 * A scratch copy of the working tree with stackmon built as `npm run build` builds it (dist/, the
 * CLI bundled), its node_modules a link to the checkout's: stackmon as an installation runs it.
 * The caller removes the directory.
 */
export function buildStackmonCopy(): string {
  const copy = mkdtempSync(join(tmpdir(), "stackmon-build-"));
  for (const entry of [
    "package.json",
    "npm-shrinkwrap.json",
    "tsconfig.json",
    "tsconfig.build.json",
    "README.md",
    "install.sh",
    "src",
    "scripts",
  ]) {
    if (existsSync(join(REPO_ROOT, entry)))
      cpSync(join(REPO_ROOT, entry), join(copy, entry), { recursive: true });
  }
  symlinkSync(join(REPO_ROOT, "node_modules"), join(copy, "node_modules"));
  run("npm", ["run", "--silent", "build"], copy);
  return copy;
}

/** `npm pack` of the working tree, built in a scratch copy; returns the .tgz path. */
export function packStackmon(outDir: string): string {
  const copy = buildStackmonCopy();
  try {
    mkdirSync(outDir, { recursive: true });
    const name = run("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", outDir], copy)
      .trim()
      .split("\n")
      .pop();
    if (!name) throw new Error("npm pack named no tarball");
    return join(outDir, name);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/** Where this machine's npm lives (its package directory), or undefined. */
function npmDirectory(): string | undefined {
  const which = spawnSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).stdout.trim();
  if (!which) return undefined;
  const cli = realpathSync(which);
  return dirname(dirname(cli));
}

/** The owner nodejs.org's tarballs record for every file (its build user). */
export const OFFICIAL_TARBALL_UID = 1001;

/**
 * node-v<version>-linux-<arch>.tar with bin/node, bin/npm and lib/node_modules/npm, as the
 * official tarballs have them, owner included. Cached per Node version.
 */
export function nodeTarball(): string {
  const version = process.version;
  const base = `node-${version}-linux-${process.arch}`;
  const tarball = join(E2E_CACHE_DIR, `${base}.tar`);
  if (existsSync(tarball) && recordsOfficialOwner(tarball)) return tarball;
  const npm = npmDirectory();
  if (!npm) throw new Error("npm is not installed here, so no Node.js tarball can be made for the container");
  const work = mkdtempSync(join(tmpdir(), "stackmon-node-"));
  try {
    const root = join(work, base);
    mkdirSync(join(root, "bin"), { recursive: true });
    mkdirSync(join(root, "lib", "node_modules"), { recursive: true });
    cpSync(process.execPath, join(root, "bin", "node"));
    cpSync(npm, join(root, "lib", "node_modules", "npm"), { recursive: true, dereference: true });
    symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", join(root, "bin", "npm"));
    symlinkSync("../lib/node_modules/npm/bin/npx-cli.js", join(root, "bin", "npx"));
    mkdirSync(E2E_CACHE_DIR, { recursive: true });
    const owner = String(OFFICIAL_TARBALL_UID);
    run(
      "tar",
      ["-cf", `${tarball}.partial`, `--owner=${owner}`, `--group=${owner}`, "--numeric-owner", base],
      work,
    );
    renameSync(`${tarball}.partial`, tarball);
    // Older Node versions' tarballs are of no further use.
    for (const entry of readdirSync(E2E_CACHE_DIR)) {
      if (entry.startsWith("node-") && entry.endsWith(".tar") && entry !== `${base}.tar`)
        rmSync(join(E2E_CACHE_DIR, entry));
    }
    return tarball;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function recordsOfficialOwner(tarball: string): boolean {
  const listing = spawnSync("tar", ["-tvf", tarball, "--numeric-owner"], { encoding: "utf8" });
  const first = listing.stdout.split("\n")[0] ?? "";
  return first.includes(` ${OFFICIAL_TARBALL_UID}/${OFFICIAL_TARBALL_UID} `);
}

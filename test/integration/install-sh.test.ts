// install.sh's Node.js step, run for real (as root, which the installer is) against tarballs made
// like the official ones: recorded with a non-root owner (nodejs.org's record uid 1001), served
// over https with a SHASUMS256.txt next to them. The node inside is a stand-in script that
// answers the version probe: what is tested is how the installer fetches, checks and unpacks,
// not Node.js (the booted-container suite installs a real one).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT, tempDir } from "../helpers/stackmon.js";
import { makeCertificate } from "../helpers/tls.js";

const INSTALL_SH = join(REPO_ROOT, "install.sh");
const TARBALL = "node-v99.1.0-linux-x64.tar.gz";
const ARCHIVE_UID = 1001;
const isRoot = process.getuid?.() === 0;

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** A tarball in the official layout, owned by uid 1001 in the archive, one file world-writable and one setuid. */
function nodeTarball(dir: string): Buffer {
  const root = join(dir, "node-v99.1.0-linux-x64");
  mkdirSync(join(root, "bin"), { recursive: true });
  mkdirSync(join(root, "lib"), { recursive: true });
  writeFileSync(join(root, "bin", "node"), "#!/bin/sh\nprintf 99\n", { mode: 0o755 });
  writeFileSync(join(root, "lib", "world-writable.js"), "// anyone could edit me\n");
  chmodSync(join(root, "lib", "world-writable.js"), 0o666);
  writeFileSync(join(root, "bin", "setuid-helper"), "#!/bin/sh\n");
  chmodSync(join(root, "bin", "setuid-helper"), 0o4755);
  const tar = spawnSync(
    "tar",
    [
      "-czf",
      join(dir, TARBALL),
      `--owner=${ARCHIVE_UID}`,
      `--group=${ARCHIVE_UID}`,
      "--numeric-owner",
      "node-v99.1.0-linux-x64",
    ],
    { cwd: dir },
  );
  assert.equal(tar.status, 0, tar.stderr?.toString());
  const listing = spawnSync("tar", ["-tvzf", join(dir, TARBALL), "--numeric-owner"], { encoding: "utf8" });
  assert.match(
    listing.stdout,
    new RegExp(` ${ARCHIVE_UID}/${ARCHIVE_UID} .*bin/node`),
    "the archive records uid 1001",
  );
  return readFileSync(join(dir, TARBALL));
}

interface Run {
  readonly status: number;
  readonly output: string;
}

/**
 * Loads install.sh's functions and runs `install_node_from SOURCE` with the prefix under `dir`.
 * Asynchronous: the https server answering curl lives in this process.
 */
function installNode(
  dir: string,
  source: string,
  options: { sha256?: string; caFile: string },
): Promise<Run> {
  const script = [
    `STACKMON_INSTALL_FUNCTIONS_ONLY=1 source "$1"`,
    `STACKMON_PREFIX="$2"`,
    `work=$(mktemp -d "$2.work.XXXX")`,
    `node_sha256="$4"`,
    `install_node_from "$3"`,
    `echo "installed: $node_bin"`,
  ].join("\n");
  const child = spawn(
    "bash",
    ["-c", script, "install.sh", INSTALL_SH, join(dir, "opt"), source, options.sha256 ?? ""],
    { env: { ...process.env, CURL_CA_BUNDLE: options.caFile }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status: status ?? -1, output })));
}

describe("install.sh --node", { skip: isRoot ? false : "the installer runs as root" }, () => {
  const dir = tempDir("stackmon-install-sh-");
  let tarball: Buffer;
  let caFile: string;
  let server: Server;
  let base: string;
  const served = new Map<string, Buffer | { redirect: string }>();
  const requests: string[] = [];

  before(async () => {
    tarball = nodeTarball(join(dir, "build"));
    const cert = makeCertificate(dir, "localhost");
    caFile = cert.certFile;
    server = createServer(
      { cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) },
      (req, res) => {
        requests.push(req.url ?? "");
        const entry = served.get(req.url ?? "");
        if (!entry) return void res.writeHead(404).end();
        if ("redirect" in entry) return void res.writeHead(302, { Location: entry.redirect }).end();
        res.writeHead(200).end(entry);
      },
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = server.address();
    base = `https://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    served.set(`/dist/v99.1.0/${TARBALL}`, tarball);
    served.set(
      "/dist/v99.1.0/SHASUMS256.txt",
      Buffer.from(`${"1".repeat(64)}  node-v99.1.0-linux-arm64.tar.gz\n${sha256(tarball)}  ${TARBALL}\n`),
    );
    served.set(`/bad/${TARBALL}`, tarball);
    served.set("/bad/SHASUMS256.txt", Buffer.from(`${"0".repeat(64)}  ${TARBALL}\n`));
    served.set(`/unlisted/${TARBALL}`, tarball);
    served.set(
      "/unlisted/SHASUMS256.txt",
      Buffer.from(`${"0".repeat(64)}  node-v99.1.0-linux-arm64.tar.gz\n`),
    );
    served.set(`/nosums/${TARBALL}`, tarball);
    served.set(`/downgrade/${TARBALL}`, { redirect: `http://127.0.0.1:1/dist/${TARBALL}` });
  });
  after(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const prefix = (name: string) => {
    const path = join(dir, name);
    mkdirSync(path, { recursive: true });
    return path;
  };

  /** Every path under the install, with its owner and mode. */
  function installedTree(root: string): { path: string; uid: number; gid: number; mode: number }[] {
    const find = spawnSync("find", [root, "-printf", "%p %U %G %m\n"], { encoding: "utf8" });
    return find.stdout
      .trim()
      .split("\n")
      .map((line) => {
        const [path = "", uid = "", gid = "", mode = ""] = line.split(" ");
        return { path, uid: Number(uid), gid: Number(gid), mode: parseInt(mode, 8) };
      });
  }

  it("installs a verified https tarball owned by root, whatever owner the archive recorded", async () => {
    const target = prefix("https-ok");
    const run = await installNode(target, `${base}/dist/v99.1.0/${TARBALL}`, { caFile });
    assert.equal(run.status, 0, run.output);
    const node = join(target, "opt", "node", "bin", "node");
    assert.match(run.output, new RegExp(`installed: ${node}`));
    const stat = statSync(node);
    assert.deepEqual([stat.uid, stat.gid], [0, 0], "bin/node belongs to root, not uid 1001");
    const tree = installedTree(join(target, "opt", "node"));
    assert.ok(tree.length >= 5, JSON.stringify(tree));
    for (const entry of tree) {
      assert.deepEqual([entry.uid, entry.gid], [0, 0], `${entry.path} is root's`);
      assert.equal(entry.mode & 0o022, 0, `${entry.path} is writable by no one but root`);
      assert.equal(entry.mode & 0o6000, 0, `${entry.path} carries no setuid/setgid bit`);
    }
  });

  it("takes a local path with the SHASUMS256.txt next to it", async () => {
    const local = prefix("local-dist");
    writeFileSync(join(local, TARBALL), tarball);
    writeFileSync(join(local, "SHASUMS256.txt"), `${sha256(tarball)}  ${TARBALL}\n`);
    const target = prefix("local-ok");
    const run = await installNode(target, join(local, TARBALL), { caFile });
    assert.equal(run.status, 0, run.output);
    assert.equal(statSync(join(target, "opt", "node", "bin", "node")).uid, 0);
  });

  it("refuses a tarball that does not match its SHASUMS256.txt and keeps the Node.js installed before", async () => {
    const target = prefix("mismatch");
    assert.equal((await installNode(target, `${base}/dist/v99.1.0/${TARBALL}`, { caFile })).status, 0);
    const before = readFileSync(join(target, "opt", "node", "bin", "node"));
    const run = await installNode(target, `${base}/bad/${TARBALL}`, { caFile });
    assert.equal(run.status, 1, run.output);
    assert.match(
      run.output,
      /does not match its checksum \(expected 0{64}, got [0-9a-f]{64}\); nothing installed/,
    );
    assert.deepEqual(readFileSync(join(target, "opt", "node", "bin", "node")), before);
  });

  it("refuses a tarball it cannot verify: not listed, or no SHASUMS256.txt at all", async () => {
    const unlisted = await installNode(prefix("unlisted"), `${base}/unlisted/${TARBALL}`, { caFile });
    assert.equal(unlisted.status, 1, unlisted.output);
    assert.match(unlisted.output, new RegExp(`${TARBALL.replace(/\./g, "\\.")} is not listed in`));
    const target = prefix("nosums");
    const missing = await installNode(target, `${base}/nosums/${TARBALL}`, { caFile });
    assert.equal(missing.status, 1, missing.output);
    assert.match(missing.output, /cannot verify .*no .*SHASUMS256\.txt \(or give --node-sha256 HEX\)/);
    assert.throws(() => statSync(join(target, "opt", "node")), "nothing installed");
  });

  it("takes an explicit --node-sha256 instead of a sums file, and holds the download to it", async () => {
    const good = await installNode(prefix("pinned"), `${base}/nosums/${TARBALL}`, {
      caFile,
      sha256: sha256(tarball).toUpperCase(),
    });
    assert.equal(good.status, 0, good.output);
    const wrong = await installNode(prefix("pinned-wrong"), `${base}/nosums/${TARBALL}`, {
      caFile,
      sha256: "a".repeat(64),
    });
    assert.equal(wrong.status, 1, wrong.output);
    assert.match(wrong.output, /does not match its checksum/);
  });

  it("refuses plain http, before asking anything of the network, and an https redirect to http", async () => {
    const count = requests.length;
    const http = await installNode(
      prefix("http"),
      `${base.replace("https:", "http:")}/dist/v99.1.0/${TARBALL}`,
      {
        caFile,
      },
    );
    assert.equal(http.status, 1, http.output);
    assert.match(http.output, /refusing http:\/\/.*: plain http can be altered on the way/);
    assert.equal(requests.length, count, "nothing was requested");
    const downgrade = await installNode(prefix("downgrade"), `${base}/downgrade/${TARBALL}`, { caFile });
    assert.equal(downgrade.status, 1, downgrade.output);
    assert.match(downgrade.output, /cannot download/);
  });

  it("runs straight from a pipe, as `curl ... | bash -s -- ...` does", () => {
    const help = spawnSync("bash", ["-s", "--", "--help"], {
      input: readFileSync(INSTALL_SH),
      encoding: "utf8",
    });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /--node-sha256 HEX/);
    // A download cut short defines functions at most: it runs nothing.
    const text = readFileSync(INSTALL_SH, "utf8");
    const cut = text.slice(0, text.indexOf("\nmain() {"));
    const partial = spawnSync("bash", ["-s", "--", "--config", "/nonexistent"], {
      input: cut,
      encoding: "utf8",
    });
    assert.equal(partial.status, 0, partial.stderr);
    assert.equal(`${partial.stdout}${partial.stderr}`, "");
  });

  /** An `npm pack`-shaped stackmon package with no dependencies, with or without its shrinkwrap. */
  function stackmonPackage(name: string, withShrinkwrap: boolean): string {
    const root = join(dir, name, "package");
    mkdirSync(join(root, "dist", "cli"), { recursive: true });
    const manifest = { name: "stackmon", version: "0.0.1", dependencies: {} };
    writeFileSync(join(root, "package.json"), JSON.stringify(manifest, null, 2));
    writeFileSync(join(root, "dist", "cli", "main.js"), "console.log('stackmon');\n");
    if (withShrinkwrap)
      writeFileSync(
        join(root, "npm-shrinkwrap.json"),
        JSON.stringify({
          name: "stackmon",
          version: "0.0.1",
          lockfileVersion: 3,
          requires: true,
          packages: { "": { name: "stackmon", version: "0.0.1", dependencies: {} } },
        }),
      );
    const tgz = join(dir, name, "stackmon-0.0.1.tgz");
    assert.equal(spawnSync("tar", ["-czf", tgz, "package"], { cwd: join(dir, name) }).status, 0);
    return tgz;
  }

  /** Runs install.sh's `install_stackmon` for `pkg` with the prefix and launcher under `target`. */
  function installStackmon(target: string, pkg: string): Promise<Run> {
    const script = [
      `STACKMON_INSTALL_FUNCTIONS_ONLY=1 source "$1"`,
      `STACKMON_PREFIX="$2/opt"; STACKMON_BIN="$2/stackmon"; mkdir -p "$STACKMON_PREFIX"`,
      `work=$(mktemp -d "$2/work.XXXX")`,
      `node_bin=$(command -v node); npm_bin=$(command -v npm); package="$3"`,
      `install_stackmon`,
    ].join("\n");
    const child = spawn("bash", ["-c", script, "install.sh", INSTALL_SH, target, pkg], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    return new Promise((resolve) => child.on("close", (status) => resolve({ status: status ?? -1, output })));
  }

  it("installs stackmon only from a package that pins its dependencies with npm-shrinkwrap.json", async () => {
    const unpinned = await installStackmon(prefix("unpinned"), stackmonPackage("unpinned", false));
    assert.equal(unpinned.status, 1, unpinned.output);
    assert.match(
      unpinned.output,
      /has no npm-shrinkwrap\.json: its dependencies would be resolved afresh, as root/,
    );
    const target = prefix("pinned");
    const pinned = await installStackmon(target, stackmonPackage("pinned", true));
    assert.equal(pinned.status, 0, pinned.output);
    assert.match(readFileSync(join(target, "stackmon"), "utf8"), /opt\/app\/dist\/cli\/main\.js/);
    assert.equal(statSync(join(target, "opt", "app", "package.json")).uid, 0);
  });
});

describe("the published package", () => {
  it("ships npm-shrinkwrap.json, and it pins every runtime dependency to a version and its hash", () => {
    const pack = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    assert.equal(pack.status, 0, pack.stderr);
    const files =
      (JSON.parse(pack.stdout) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path) ?? [];
    assert.ok(files.includes("npm-shrinkwrap.json"), files.join(", "));
    const shrinkwrap = JSON.parse(readFileSync(join(REPO_ROOT, "npm-shrinkwrap.json"), "utf8")) as {
      packages: Record<string, { resolved?: string; integrity?: string; link?: boolean; dev?: boolean }>;
    };
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    for (const name of Object.keys(manifest.dependencies))
      assert.ok(shrinkwrap.packages[`node_modules/${name}`], `${name} is in the shrinkwrap`);
    const runtime = Object.entries(shrinkwrap.packages).filter(
      ([path, p]) => path !== "" && !p.dev && !p.link,
    );
    assert.ok(
      runtime.length >= Object.keys(manifest.dependencies).length,
      `${runtime.length} runtime packages`,
    );
    for (const [path, entry] of runtime) {
      // npm ci fetches each from the registry it is configured with and refuses bytes whose
      // sha512 differs; a tarball named explicitly must come over https.
      assert.match(entry.integrity ?? "", /^sha512-/, `${path} has its hash`);
      assert.match(entry.resolved ?? "https://", /^https:\/\//, `${path} is resolved over https if at all`);
    }
  });
});

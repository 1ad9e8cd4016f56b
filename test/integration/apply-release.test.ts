// The release-tarball fallback over real HTTP: a package older than the minimum makes apply
// download the upstream release, check its sha256, and run the binary from it. The sha256 comes
// from the operator (--release-sha256), else the source's pins, else the project's own release
// page; a sums file from the mirror the tarball came from is never trusted. A tarball that does
// not match is refused and nothing is installed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { apply } from "../../src/apply/apply.js";
import { installReleases } from "../../src/apply/releaseTarball.js";
import { nodeExporterBinary } from "../../src/components/node/index.js";
import { FakeHost } from "../../src/host/fakeHost.js";
import { rootDirHost } from "../../src/host/rootDirHost.js";
import { fillRelease, releaseArch } from "../../src/plan/binarySources.js";
import { hostStack } from "../../src/plan/hostStack.js";
import { hasChanges } from "../../src/plan/plan.js";
import { parseStackConfig, stackRenderer } from "../../src/stack.js";
import { tempDir } from "../helpers/stackmon.js";

const release = nodeExporterBinary.release;
if (!release) throw new Error("the node exporter has a release fallback");
const arch = releaseArch();
const asset = fillRelease(release.asset, release, arch);
const member = fillRelease(release.member, release, arch);
const BINARY = `#!/bin/sh\necho "node_exporter, version ${release.version} (branch: HEAD, revision: test)"\n`;

/** A GitHub-like release download tree: the tarball and its sha256sums.txt. */
function releaseTree(dir: string, sumsFor: (tarball: Buffer) => string): Map<string, Buffer> {
  const build = join(dir, "build");
  mkdirSync(join(build, member, ".."), { recursive: true });
  writeFileSync(join(build, member), BINARY, { mode: 0o755 });
  writeFileSync(join(build, member, "..", "LICENSE"), "Apache-2.0\n");
  const tar = spawnSync("tar", ["-czf", join(dir, asset), member.split("/")[0] ?? ""], { cwd: build });
  assert.equal(tar.status, 0);
  const tarball = readFileSync(join(dir, asset));
  const base = `/${release?.repo}/releases/download/v${release?.version}`;
  return new Map([
    [`${base}/${asset}`, tarball],
    [`${base}/sha256sums.txt`, Buffer.from(sumsFor(tarball))],
  ]);
}

async function serve(
  files: Map<string, Buffer>,
  requests: string[] = [],
): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    requests.push(request.url ?? "");
    const body = files.get(request.url ?? "");
    if (body) response.writeHead(200).end(body);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}` };
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** Debian with every package new enough except the node exporter's. */
function oldDebian(): FakeHost {
  return new FakeHost({
    available: {
      prometheus: "2.42.0+ds-5",
      "prometheus-alertmanager": "0.25.0-6",
      "prometheus-node-exporter": "1.3.1-1",
      "prometheus-blackbox-exporter": "0.23.0-1",
    },
    packagePrograms: {
      prometheus: ["/usr/bin/prometheus", "/usr/bin/promtool"],
      "prometheus-alertmanager": ["/usr/bin/prometheus-alertmanager", "/usr/bin/amtool"],
      "prometheus-blackbox-exporter": ["/usr/bin/prometheus-blackbox-exporter"],
    },
  });
}

function applyOn(host: FakeHost, releaseBaseUrl: string, releaseSha256?: Record<string, string>) {
  // Grafana comes from its vendor's repository, never from a release tarball.
  const config = parseStackConfig("grafana: {enabled: false}\n", "stackmon.yml", {});
  return apply({
    host,
    prepare: ({ listsFetched }) =>
      hostStack(stackRenderer(config), host, { listsFetched, stackmonProgram: () => undefined }),
    readSecret: () => "",
    log: () => {},
    probe: () => Promise.resolve(true),
    releaseBaseUrl,
    ...(releaseSha256 ? { releaseSha256 } : {}),
  });
}

describe("the release tarball fallback", () => {
  let dir: string;
  const servers: Server[] = [];
  before(() => {
    dir = tempDir("stackmon-release-");
  });
  after(() => {
    for (const server of servers) server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a package older than the minimum is replaced by the verified release, and the unit runs it", async () => {
    const files = releaseTree(join(dir, "good"), (t) => `${sha256(t)}  ${asset}\nffff  other.tar.gz\n`);
    const { server, url } = await serve(files);
    servers.push(server);
    const tarball =
      files.get(`/${release.repo}/releases/download/v${release.version}/${asset}`) ?? Buffer.alloc(0);
    const host = oldDebian();
    await applyOn(host, url, { [asset]: sha256(tarball) });
    assert.equal(host.text(release.installPath), BINARY);
    assert.equal(host.fs.get(release.installPath)?.ownership.mode, 0o755);
    assert.ok(!host.events.some((e) => e.includes("install") && e.includes("prometheus-node-exporter")));
    assert.match(
      host.text("/etc/systemd/system/prometheus-node-exporter.service") ?? "",
      /ExecStart=\/usr\/local\/bin\/node_exporter/,
    );
    host.events.length = 0;
    const again = await applyOn(host, url, { [asset]: sha256(tarball) });
    assert.equal(hasChanges(again.plan), false, "the installed release is recognised by its version");
  });

  it("a tarball that does not match its sha256 is refused, whatever sums file the mirror serves with it", async () => {
    // The mirror's own sums file vouches for its tampered tarball; the operator's value does not.
    const { server, url } = await serve(releaseTree(join(dir, "bad"), (t) => `${sha256(t)}  ${asset}\n`));
    servers.push(server);
    const host = oldDebian();
    await assert.rejects(
      applyOn(host, url, { [asset]: "0".repeat(64) }),
      new RegExp(`${asset.replace(/\./g, "\\.")} does not match its sha256 from --release-sha256`),
    );
    assert.equal(host.text(release.installPath), undefined);
    assert.ok(!host.events.some((e) => e.startsWith("write /etc/")), "no config was written either");
  });

  it("without a given or pinned sha256, reads the project's sums file from its own release page, never the mirror's", async () => {
    const mirrorRequests: string[] = [];
    const { server: mirror, url: mirrorUrl } = await serve(
      releaseTree(join(dir, "mirror"), (t) => `${sha256(t)}  ${asset}\n`),
      mirrorRequests,
    );
    // The project's page lists the genuine tarball, which this mirror does not serve.
    const { server: project, url: projectUrl } = await serve(
      releaseTree(join(dir, "project"), () => `${"a".repeat(64)}  ${asset}\n`),
    );
    servers.push(mirror, project);
    const root = join(dir, "official");
    await assert.rejects(
      installReleases(rootDirHost(root), [{ release, path: release.installPath }], {
        baseUrl: mirrorUrl,
        officialBaseUrl: projectUrl,
        log: () => {},
      }),
      new RegExp(`does not match its sha256 from ${projectUrl.replace(/\./g, "\\.")}/`),
    );
    assert.ok(!mirrorRequests.some((r) => r.endsWith("sha256sums.txt")), mirrorRequests.join(", "));
    assert.equal(existsSync(join(root, release.installPath)), false);
  });

  it("refuses a mirror over plain http beyond this machine, before downloading anything", async () => {
    const host = oldDebian();
    await assert.rejects(
      applyOn(host, "http://mirror.example.com/releases"),
      /--release-mirror: http:\/\/mirror\.example\.com\/releases is not https/,
    );
    assert.equal(host.text(release.installPath), undefined);
  });

  it("writes a runnable binary on a real filesystem", async () => {
    const files = releaseTree(join(dir, "disk"), (t) => `${sha256(t)}  ${asset}\n`);
    const { server, url } = await serve(files);
    servers.push(server);
    const root = join(dir, "root");
    await installReleases(rootDirHost(root), [{ release, path: release.installPath }], {
      baseUrl: url,
      officialBaseUrl: url,
      log: () => {},
    });
    const installed = join(root, release.installPath);
    assert.equal(statSync(installed).mode & 0o777, 0o755);
    assert.match(
      spawnSync(installed, ["--version"], { encoding: "utf8" }).stdout,
      new RegExp(`version ${release.version.replace(/\./g, "\\.")}`),
    );
  });
});

// From nothing to a verified, hardened stack on a freshly booted Debian 12, the way a person
// would do it: install.sh fetched from its URL and piped to bash. Then the properties that make
// it safe to run again: no-op re-apply, reload vs restart, hardening scores, refused candidates,
// rollback, and convergence after a SIGKILL.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseStackConfig, renderStack, HOST_TARGET } from "../../src/stack.js";
import { freePorts } from "../helpers/ports.js";
import { parseExposition, sampleValue } from "../helpers/exposition.js";
import { startMattermost, type Post, type TestMattermost } from "../helpers/mattermost.js";
import { HTTP_APP } from "../helpers/pm2.js";
import { makeCertificate } from "../helpers/tls.js";
import { nodeTarball, OFFICIAL_TARBALL_UID, packStackmon } from "./artifacts.js";
import { cannotBootReason, Container, descendantsOf } from "./container.js";
import { exporterDifferences, startUnconfined, type UnconfinedCopy } from "./exporterComparison.js";
import { E2E_CACHE_DIR, ensureDebianRootfs } from "./debianRootfs.js";
import { startProjectServer, type ProjectServer } from "./projectServer.js";

const skipReason =
  cannotBootReason() ??
  (existsSync("/dev/loop-control") ? undefined : "no loop devices (for the filesystem it fills)");
if (skipReason)
  console.log(`e2e suite skipped: this machine cannot boot the Debian container (${skipReason})`);

const CONFIG_PATH = "/etc/stackmon/stackmon.yml";
const NODE_PASSWORD = "e2e-node-exporter-password";
const MYSQL_PASSWORD = "e2e-mysql 'quoted' \\ password";
const DUPLICATI_TOKEN = "e2e-duplicati-token";
/** A real ext4 filesystem of the container's own, small enough to fill in a moment. */
const DATA_MOUNT = "/srv/data";
/** The PM2 users of the container: each has a daemon of its own, watched by an exporter of its own. */
const PM2_USER = "deploy";
const PM2_OTHER_USER = "api";
/**
 * PM2 itself is not part of the installed package (the exporter speaks PM2's RPC on its own): the
 * container runs the project's development copy, bound read-only, with the Node.js install.sh put in.
 */
const PM2_MODULES = "/opt/pm2-dev/node_modules";
const PM2 = `${PM2_MODULES}/pm2/bin/pm2`;

interface Ports {
  readonly prometheus: number;
  readonly alertmanager: number;
  readonly node: number;
  readonly blackbox: number;
  readonly mysql: number;
  readonly duplicati: number;
  readonly pm2: number;
  readonly pm2Other: number;
}

/** The container's stack, on free loopback ports (it shares this host's network). */
function stackConfig(
  ports: Ports,
  server: ProjectServer,
  extra: { site?: string; prometheus?: string; blackboxListen?: number } = {},
): string {
  return `global:
  hostname: e2e
  scrape_interval: 5s
  scrape_timeout: 4s
  evaluation_interval: 5s
prometheus:
  listen_address: 127.0.0.1:${ports.prometheus}
${extra.prometheus ?? ""}
alertmanager:
  listen_address: 127.0.0.1:${ports.alertmanager}
# Grafana comes from Grafana's own repository, which the container cannot reach.
grafana: {enabled: false}
exporters:
  node:
    listen_address: 127.0.0.1:${ports.node}
    # systemd-nspawn binds /run/host/* into the container; they are not this host's filesystems.
    mount_points_exclude: "^/(dev|proc|run/credentials/.+|run/host/.+|sys)($|/)"
    web:
      basic_auth: {username: prometheus, password_file: /etc/stackmon/secrets/node.password}
  blackbox:
    listen_address: 127.0.0.1:${extra.blackboxListen ?? ports.blackbox}
    targets:
      - {url: "${server.url(extra.site ?? "/health")}", name: project}
  mysql:
    enabled: true
    listen_address: 127.0.0.1:${ports.mysql}
    socket: /run/mysqld/mysqld.sock
    create_user: true
    password_file: /etc/stackmon/secrets/mysql-exporter.password
  duplicati:
    enabled: true
    listen_address: 127.0.0.1:${ports.duplicati}
    scrape_interval: 5s
    token_file: /etc/stackmon/secrets/duplicati.token
  pm2:
    enabled: true
    listen_address: 127.0.0.1:${ports.pm2}
    # The unconfined copies below ask PM2 for its list when they start: the hardened exporters'
    # list must be as fresh for the comparison (a minute old, it lacks what apps published since),
    # and a renewed one served at the comparison's next attempt, two seconds on.
    list_max_age: 2s
    min_age: 1s
    users:
      - {user: ${PM2_USER}}
      - {user: ${PM2_OTHER_USER}, listen_address: "127.0.0.1:${ports.pm2Other}"}
alerting:
  group_wait: 1s
  group_interval: 5s
  mattermost:
    webhook_url_file: /etc/stackmon/secrets/mattermost.url
    critical: {channel: ops-critical}
    warning: {channel: ops}
  rules:
    TargetDown: {for: 0s}
    NodeFilesystemAlmostOutOfSpace: {critical: {for: 0s}}
    NodeClockNotSynchronising: {for: 0s}
    NodeSystemdServiceCrashlooping: {for: 0s}
    MySQLDown: {for: 0s}
`;
}

/** A 32 MiB ext4 filesystem in an image file, loop-mounted under `dir`, nothing reserved for root. */
function mountSmallExt4(dir: string): string {
  const image = join(dir, "data.ext4");
  const mountPoint = join(dir, "data");
  mkdirSync(mountPoint);
  const steps: [string, string[]][] = [
    ["truncate", ["-s", "32M", image]],
    ["mkfs.ext4", ["-q", "-F", "-m", "0", image]],
    ["mount", ["-o", "loop", image, mountPoint]],
  ];
  for (const [command, args] of steps) {
    const result = spawnSync(command, args, { encoding: "utf8" });
    if (result.status !== 0)
      throw new Error(`${command} ${args.join(" ")} failed (a loop device is needed): ${result.stderr}`);
  }
  return mountPoint;
}

describe("install.sh on a freshly booted Debian 12", { skip: skipReason ?? false }, () => {
  let container: Container;
  let server: ProjectServer;
  /** What install.sh downloads, over https with a certificate the container trusts. */
  let downloads: ProjectServer;
  /** On this host's loopback, which the container shares. */
  let mattermost: TestMattermost;
  let ports: Ports;
  let units: string[];
  let work: string;
  /** Where the small ext4 filesystem is mounted on this host, bound into the container. */
  let dataMount: string | undefined;
  /** What commands inside need to reach the npm registry the way this host does. */
  let trust: Record<string, string> = {};

  const stackmon = (args: readonly string[], timeoutMs = 300_000) =>
    container.exec("/usr/local/bin/stackmon", args, { timeoutMs });

  const setConfig = async (text: string) => container.writeFile(CONFIG_PATH, text, "0640");

  const timestamps = async (): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const unit of units)
      out[unit] = (
        await container.run("systemctl", ["show", "-p", "ActiveEnterTimestamp", "--value", unit])
      ).trim();
    return out;
  };

  const prometheusTargets = async (): Promise<string[]> => {
    const body = await container.run("curl", [
      "-fsS",
      `http://127.0.0.1:${ports.prometheus}/api/v1/targets?state=active`,
    ]);
    const data = JSON.parse(body) as { data: { activeTargets: { labels: Record<string, string> }[] } };
    return data.data.activeTargets.map((t) => t.labels["instance"] ?? "").sort();
  };

  /** Polls until `check` holds: Prometheus applies a reloaded config a moment after the signal. */
  const eventually = async (what: string, check: () => Promise<boolean>, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  /** The exporter units stackmon hardens, and the port each listens on. */
  const exporters = () =>
    renderStack(
      parseStackConfig(stackConfig(ports, server), "stackmon.yml", {}),
      HOST_TARGET,
    ).services.flatMap((s) =>
      s.unit.includes("exporter") && s.listen ? [{ unit: s.unit, port: s.listen.port }] : [],
    );

  /** Every exporter endpoint answers to Prometheus's credentials; the unprotected ignore them. */
  const scrape = async (url: string) => {
    const credentials = Buffer.from(`prometheus:${NODE_PASSWORD}`).toString("base64");
    const response = await fetch(url, { headers: { authorization: `Basic ${credentials}` } });
    assert.equal(response.status, 200, `${url} answers ${response.status}`);
    return response.text();
  };

  /** What Prometheus scrapes: every active target's URL. */
  const scrapeUrls = async (): Promise<string[]> => {
    const body = await container.run("curl", [
      "-fsS",
      `http://127.0.0.1:${ports.prometheus}/api/v1/targets?state=active`,
    ]);
    return (JSON.parse(body) as { data: { activeTargets: { scrapeUrl: string }[] } }).data.activeTargets.map(
      (t) => t.scrapeUrl,
    );
  };

  const journal = async (unit: string) =>
    (await container.exec("journalctl", ["-u", unit, "-n", "20", "--no-pager", "-o", "cat"])).stdout.slice(
      -4000,
    );

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "stackmon-e2e-"));
    const rootfs = ensureDebianRootfs((line) => console.log(`rootfs: ${line}`));
    server = await startProjectServer();
    const certificate = makeCertificate(work, "127.0.0.1");
    downloads = await startProjectServer({
      cert: readFileSync(certificate.certFile),
      key: readFileSync(certificate.keyFile),
    });
    mattermost = await startMattermost({ channels: ["ops-critical", "ops"] });
    const [prometheus, alertmanager, node, blackbox, mysql, duplicati, pm2, pm2Other] = await freePorts(8);
    ports = {
      prometheus: prometheus!,
      alertmanager: alertmanager!,
      node: node!,
      blackbox: blackbox!,
      mysql: mysql!,
      duplicati: duplicati!,
      pm2: pm2!,
      pm2Other: pm2Other!,
    };
    downloads.file("/install.sh", join(process.cwd(), "install.sh"));
    downloads.file("/stackmon.tgz", packStackmon(work));
    const nodeFile = nodeTarball();
    downloads.file(`/dist/${basename(nodeFile)}`, nodeFile);
    const nodeSha256 = createHash("sha256").update(readFileSync(nodeFile)).digest("hex");
    downloads.text("/dist/SHASUMS256.txt", `${nodeSha256}  ${basename(nodeFile)}\n`);
    server.text("/health", "ok\n");
    server.text("/health2", "ok\n");
    const config = stackConfig(ports, server);
    downloads.text("/stackmon.yml", config);
    units = renderStack(parseStackConfig(config, "stackmon.yml", {}), HOST_TARGET).services.map(
      (s) => s.unit,
    );

    for (const dir of ["apt-archives/partial", "npm-cache"])
      mkdirSync(join(E2E_CACHE_DIR, dir), { recursive: true });
    dataMount = mountSmallExt4(work);
    container = await Container.boot({
      rootfs,
      name: `stackmon-e2e-${process.pid}`,
      logDir: work,
      // Downloads are kept between runs; what gets installed is decided afresh each time.
      binds: [
        `${E2E_CACHE_DIR}/apt-archives:/var/cache/apt/archives`,
        `${E2E_CACHE_DIR}/npm-cache:/root/.npm`,
        `${dataMount}:${DATA_MOUNT}`,
      ],
      readOnlyBinds: [`${join(import.meta.dirname, "../../node_modules")}:${PM2_MODULES}`],
      // systemd-nspawn lets a container without CAP_SYS_TIME make no @clock call at all, not even
      // adjtimex reading the clock's state as the node exporter's timex collector does. Allowed
      // here, setting the clock still needs CAP_SYS_TIME, which the container does not have.
      systemCalls: ["adjtimex"],
    });
    trust = await container.trustHostCertificates();
    await container.writeFile(
      "/usr/local/share/ca-certificates/stackmon-e2e-downloads.crt",
      readFileSync(certificate.certFile, "utf8"),
    );
    await container.run("update-ca-certificates");
    await container.writeFile("/etc/stackmon/secrets/node.password", `${NODE_PASSWORD}\n`, "0600");
    await container.writeFile("/etc/stackmon/secrets/mysql-exporter.password", `${MYSQL_PASSWORD}\n`, "0600");
    await container.writeFile("/etc/stackmon/secrets/duplicati.token", `${DUPLICATI_TOKEN}\n`, "0600");
    // The accounts whose PM2 daemons the PM2 exporters watch (their daemons start once Node is in).
    for (const user of [PM2_USER, PM2_OTHER_USER]) {
      await container.run("useradd", ["--create-home", "--shell", "/bin/bash", user]);
      // As on a server where PM2 ran before monitoring: its unit maps PM2_HOME in, so it must exist.
      await container.run("runuser", ["-u", user, "--", "mkdir", `/home/${user}/.pm2`]);
    }
    await container.writeFile("/etc/stackmon/secrets/mattermost.url", `${mattermost.hookUrl()}\n`, "0600");
  });

  after(async () => {
    await container?.stop();
    if (dataMount) spawnSync("umount", [dataMount]);
    await server?.close();
    await downloads?.close();
    await mattermost?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("curl | bash from the URL: every unit active and verify green", async () => {
    const install = await container.exec(
      "sh",
      [
        "-c",
        `curl -fsSL ${downloads.url("/install.sh")} | bash -s -- --config ${downloads.url("/stackmon.yml")} ` +
          `--package ${downloads.url("/stackmon.tgz")} --node ${downloads.url(`/dist/${basename(nodeTarball())}`)}`,
      ],
      { timeoutMs: 900_000, env: trust },
    );
    const output = `${install.stdout}\n${install.stderr}`;
    if (install.status !== 0) {
      for (const unit of units) {
        const active = (await container.exec("systemctl", ["is-active", unit])).stdout.trim();
        if (active !== "active") console.log(`${unit} is ${active}:\n${await journal(unit)}`);
      }
    }
    assert.equal(install.status, 0, output);
    assert.match(output, /All \d+ checks passed/);
    assert.ok(downloads.requests.includes("/dist/SHASUMS256.txt"), "the Node.js tarball was checked");

    // The tarball records uid 1001 like nodejs.org's: the node that runs apply is root's all the same.
    assert.equal(
      (await container.run("stat", ["-c", "%u:%g", "/opt/stackmon/node/bin/node"])).trim(),
      "0:0",
      `not the archive's ${OFFICIAL_TARBALL_UID}`,
    );
    assert.equal(
      (
        await container.run("find", [
          "/opt/stackmon",
          "-not",
          "-type",
          "l",
          "(",
          "-not",
          "-user",
          "root",
          "-o",
          "-perm",
          "/022",
          ")",
        ])
      ).trim(),
      "",
      "nothing under /opt/stackmon is another user's or writable by others",
    );
    // The exporter facing the network runs within its memory and task ceilings.
    assert.equal(
      (
        await container.run("systemctl", [
          "show",
          "-p",
          "MemoryMax",
          "-p",
          "TasksMax",
          "stackmon-duplicati-exporter.service",
        ])
      ).trim(),
      `MemoryMax=${256 * 1024 * 1024}\nTasksMax=32`,
    );

    for (const unit of units)
      assert.equal((await container.exec("systemctl", ["is-active", unit])).stdout.trim(), "active", unit);
    const verify = await stackmon(["verify", "-c", CONFIG_PATH, "--json"]);
    assert.equal(verify.status, 0, verify.stdout);
    const checks = (
      JSON.parse(verify.stdout) as { checks: { check: string; status: string; detail: string }[] }
    ).checks;
    const node = checks.find((c) => c.check.startsWith("endpoint node "));
    assert.match(
      node?.detail ?? "",
      /401/,
      "the protected node exporter refuses requests without credentials",
    );
    const targets = checks.filter((c) => c.check.startsWith("target "));
    assert.ok(targets.length >= 7 && targets.every((t) => t.status === "ok"), JSON.stringify(targets));

    // Debian's postinst would start its services on every interface; ours listen on loopback only.
    const listening = await container.run("ss", ["-ltnpH"]);
    const ours = listening.split("\n").filter((line) => line.includes("users:(("));
    assert.ok(ours.length >= units.length, listening);
    for (const line of ours)
      assert.doesNotMatch(line, /\s(0\.0\.0\.0|\*|\[::\]):\d+\s/, `bound beyond loopback: ${line}`);

    const grants = await container.run("mysql", [
      "-N",
      "-e",
      "SHOW GRANTS FOR 'stackmon_exporter'@'localhost'",
    ]);
    // MariaDB names REPLICATION CLIENT "BINLOG MONITOR" and keeps SHOW SLAVE STATUS apart.
    assert.match(
      grants,
      /GRANT SELECT, PROCESS, BINLOG MONITOR, SLAVE MONITOR ON \*\.\* TO `stackmon_exporter`@`localhost`/,
    );
    assert.match(grants, /MAX_USER_CONNECTIONS 3/);
  });

  it("every hardened exporter sees what the same program sees unconfined", async () => {
    // Each PM2 user gets a daemon with an app called shop, now that Node.js is installed.
    for (const user of [PM2_USER, PM2_OTHER_USER]) {
      await container.writeFile(`/home/${user}/shop.js`, HTTP_APP);
      await container.run("runuser", [
        "-u",
        user,
        "--",
        "env",
        `HOME=/home/${user}`,
        "PATH=/opt/stackmon/node/bin:/usr/bin:/bin",
        PM2,
        "start",
        `/home/${user}/shop.js`,
        "--name",
        "shop",
      ]);
    }
    for (const port of [ports.pm2, ports.pm2Other]) {
      await eventually("the PM2 exporter reaching the daemon", async () =>
        /^pm2_daemon_up(\{[^}]*\})? 1$/m.test(await scrape(`http://127.0.0.1:${port}/metrics`)),
      );
    }
    // Each user's exporter sees its own PM2_HOME, and nothing else of /home.
    for (const user of [PM2_USER, PM2_OTHER_USER]) {
      const pid = (
        await container.run("systemctl", [
          "show",
          "-p",
          "MainPID",
          "--value",
          `stackmon-pm2-exporter-${user}.service`,
        ])
      ).trim();
      const seen = await container.run("nsenter", ["-t", pid, "-m", "find", "/home", "-maxdepth", "2"]);
      assert.deepEqual(seen.trim().split("\n").sort(), ["/home", `/home/${user}`, `/home/${user}/.pm2`]);
    }

    const hardened = exporters();
    const urls = await scrapeUrls();
    const copyPorts = await freePorts(hardened.length);
    const copies: UnconfinedCopy[] = [];
    try {
      for (const [i, exporter] of hardened.entries())
        copies.push(await startUnconfined(container, exporter, copyPorts[i]!));
      const onPort = (url: string, port: number) => url.replace(/:\d+\//, `:${port}/`);
      for (const copy of copies) {
        await eventually(`${copy.unit} answering`, async () =>
          fetch(`http://127.0.0.1:${copy.port}/`).then(
            () => true,
            () => false,
          ),
        );
      }
      // The Duplicati exporter describes reports: both get the same one.
      const report = readFileSync(join(process.cwd(), "test/fixtures/duplicati/json-2.1-success.json"));
      for (const port of [
        ports.duplicati,
        copies[hardened.findIndex((e) => e.port === ports.duplicati)]!.port,
      ]) {
        const posted = await fetch(`http://127.0.0.1:${port}/report?token=${DUPLICATI_TOKEN}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: report,
        });
        assert.equal(posted.status, 200, `the report reaches the exporter on ${port}`);
      }

      const differences: string[] = [];
      for (const [i, exporter] of hardened.entries()) {
        const targets = urls.filter((url) => new URL(url).port === String(exporter.port));
        assert.ok(targets.length > 0, `Prometheus scrapes ${exporter.unit}`);
        for (const url of targets) {
          // Two scrapes a moment apart may see a collector time out once: the last of a few counts.
          let found: string[] = [];
          for (let attempt = 0; attempt < 5; attempt++) {
            const [ours, theirs] = [await scrape(url), await scrape(onPort(url, copies[i]!.port))];
            found = exporterDifferences(ours, theirs);
            if (found.length === 0) {
              const families = new Set(parseExposition(ours).map((s) => s.name)).size;
              console.log(`${exporter.unit} ${new URL(url).pathname}: ${families} metric families agree`);
              break;
            }
            await new Promise((r) => setTimeout(r, 2000));
          }
          differences.push(...found.map((d) => `${exporter.unit} ${url}: ${d}`));
        }
      }
      assert.deepEqual(differences, [], "hardening changed what an exporter sees");

      // What the comparison is for: the host's own disks, writable, and its clock.
      const node = parseExposition(await scrape(`http://127.0.0.1:${ports.node}/metrics`));
      assert.equal(sampleValue(node, "node_scrape_collector_success", { collector: "timex" }), 1);
      assert.equal(sampleValue(node, "node_filesystem_readonly", { mountpoint: DATA_MOUNT }), 0);
      const mounts = node
        .filter((s) => s.name === "node_filesystem_readonly")
        .map((s) => s.labels["mountpoint"]);
      assert.ok(
        !mounts.some((m) => m?.startsWith("/run/credentials")),
        `no sandbox mounts: ${mounts.join(" ")}`,
      );
      // What the restart alert reads of Prometheus and Alertmanager under their own units.
      const started = await container.run("curl", [
        "-fsS",
        "--get",
        `http://127.0.0.1:${ports.prometheus}/api/v1/query`,
        "--data-urlencode",
        'query=count by (job) (process_start_time_seconds{job=~"prometheus|alertmanager"})',
      ]);
      assert.match(started, /"job":"alertmanager"/);
      assert.match(started, /"job":"prometheus"/);
    } finally {
      for (const copy of copies) await copy.stop();
    }
  });

  it("a filling disk, a crash-looping service and an unsynchronised clock reach Mattermost", async () => {
    const title = (post: Post) => post.attachments[0]?.title ?? "";
    // systemd restarts it for ever; the node exporter reads its restart count over D-Bus.
    await container.writeFile(
      "/etc/systemd/system/crashloop.service",
      "[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart=/bin/false\nRestart=always\nRestartSec=1\n",
    );
    await container.run("systemctl", ["daemon-reload"]);
    await container.run("systemctl", ["start", "crashloop.service"]);
    const [size, avail] = (await container.run("df", ["-B1", "--output=size,avail", DATA_MOUNT]))
      .trim()
      .split("\n")[1]!
      .trim()
      .split(/\s+/)
      .map(Number);
    // 1 % left: below the critical 3 %.
    await container.run("fallocate", ["-l", String(avail! - Math.floor(size! / 100)), `${DATA_MOUNT}/fill`]);
    try {
      const full = await mattermost.waitForPost((p) =>
        /^Critical: [\d.]+% free on \/srv\/data at e2e$/.test(title(p)),
      );
      assert.equal(full.channel, "ops-critical");
    } finally {
      await container.run("rm", ["-f", `${DATA_MOUNT}/fill`]);
    }
    await mattermost.waitForPost((p) => /^Resolved: [\d.]+% free on \/srv\/data at e2e$/.test(title(p)));
    try {
      const looping = await mattermost.waitForPost((p) =>
        /^Warning: crashloop\.service restarted \d+ times in 15 minutes at e2e$/.test(title(p)),
      );
      assert.equal(looping.channel, "ops");
    } finally {
      await container.run("systemctl", ["stop", "crashloop.service"]);
    }

    // The container's clock is this machine's kernel clock, whose state the test cannot change:
    // the alert must agree with it either way (the exporter's view was proven above).
    const node = parseExposition(await scrape(`http://127.0.0.1:${ports.node}/metrics`));
    const synchronised = sampleValue(node, "node_timex_sync_status") === 1;
    const maxError = sampleValue(node, "node_timex_maxerror_seconds") ?? 0;
    console.log(`this machine's clock: synchronised ${synchronised}, maximum error ${maxError}s`);
    if (!synchronised && maxError >= 16) {
      const clock = await mattermost.waitForPost(
        (p) => title(p) === "Warning: Clock at e2e is not synchronising",
      );
      assert.equal(clock.channel, "ops");
    } else {
      const alerts = await container.run("curl", [
        "-fsS",
        `http://127.0.0.1:${ports.prometheus}/api/v1/alerts`,
      ]);
      assert.doesNotMatch(alerts, /NodeClockNotSynchronising/);
    }
  });

  it("alerts reach Mattermost: a test alert, a stopped exporter that hides nothing, their recovery", async () => {
    const test = await stackmon(["test-alert", "-c", CONFIG_PATH, "--severity", "critical", "--wait", "60s"]);
    assert.equal(test.status, 0, `${test.stdout}${test.stderr}`);
    const delivered = await mattermost.waitForPost((p) =>
      p.visible.includes("Test alert from stackmon at e2e"),
    );
    assert.equal(delivered.channel, "ops-critical");

    const title = (post: Post) => post.attachments[0]?.title ?? "";
    await container.run("systemctl", ["stop", "prometheus-node-exporter.service"]);
    try {
      // One exporter down is the monitoring going blind there: a warning.
      const down = await mattermost.waitForPost((p) => title(p) === "Warning: node at e2e is down");
      assert.equal(down.channel, "ops");
      // The host is up (Prometheus runs on it): its stopped node exporter holds nothing else back.
      await container.run("systemctl", ["stop", "mariadb.service"]);
      const mysqlDown = await mattermost.waitForPost((p) => title(p) === "Critical: MySQL at e2e is down");
      assert.equal(mysqlDown.channel, "ops-critical");
    } finally {
      await container.run("systemctl", ["start", "mariadb.service", "prometheus-node-exporter.service"]);
    }
    await mattermost.waitForPost((p) => title(p) === "Resolved: node at e2e is down");
    await mattermost.waitForPost((p) => title(p) === "Resolved: MySQL at e2e is down");
    const verify = await stackmon(["verify", "-c", CONFIG_PATH, "--wait", "60s"]);
    assert.equal(verify.status, 0, verify.stdout);
  });

  it("a second apply (and a second install.sh) reports zero changes and restarts nothing", async () => {
    const before = await timestamps();
    const plan = await stackmon(["plan", "-c", CONFIG_PATH]);
    assert.equal(plan.status, 0, plan.stdout);
    assert.match(plan.stdout, /No changes/);
    const again = await stackmon(["apply", "-c", CONFIG_PATH]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /No changes/);
    const reinstall = await container.exec(
      "sh",
      [
        "-c",
        `curl -fsSL ${downloads.url("/install.sh")} | bash -s -- --package ${downloads.url("/stackmon.tgz")}`,
      ],
      { timeoutMs: 300_000, env: trust },
    );
    assert.equal(reinstall.status, 0, reinstall.stderr);
    assert.deepEqual(await timestamps(), before);
  });

  it("changing one blackbox target reloads Prometheus only", async () => {
    const before = await timestamps();
    await setConfig(stackConfig(ports, server, { site: "/health2" }));
    const plan = await stackmon(["plan", "-c", CONFIG_PATH, "--json"]);
    assert.equal(plan.status, 2);
    const planned = JSON.parse(plan.stdout) as { services: { unit: string; run: string }[] };
    assert.deepEqual(
      planned.services.map((s) => [s.unit, s.run]),
      [["prometheus.service", "reload"]],
    );
    const applied = await stackmon(["apply", "-c", CONFIG_PATH]);
    assert.equal(applied.status, 0, applied.stderr);
    assert.deepEqual(await timestamps(), before, "a reload keeps every unit's ActiveEnterTimestamp");
    await eventually("Prometheus probing the new target instead of the old", async () => {
      const targets = await prometheusTargets();
      return targets.includes(server.url("/health2")) && !targets.includes(server.url("/health"));
    });
  });

  it("systemd-analyze security: every unit stackmon manages scores at most 2.0", async () => {
    const rows: string[][] = [["UNIT", "STACKMON", "DEBIAN'S OWN"]];
    const exposures: [string, number][] = [];
    for (const unit of units) {
      const ours = await container.run("systemd-analyze", ["security", "--no-pager", unit]);
      const score = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(ours)?.[1]);
      const packagedUnit = `/lib/systemd/system/${unit}`;
      const packaged =
        (await container.exec("test", ["-f", packagedUnit])).status === 0
          ? await container.exec("systemd-analyze", [
              "security",
              "--no-pager",
              "--offline=true",
              packagedUnit,
            ])
          : undefined;
      const theirs = /Overall exposure level for \S+: ([\d.]+)/.exec(packaged?.stdout ?? "")?.[1] ?? "-";
      rows.push([unit, score.toFixed(1), theirs]);
      exposures.push([unit, score]);
    }
    const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
    console.log(
      rows.map((r) => `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]}`).join("\n"),
    );
    for (const [unit, score] of exposures) assert.ok(score <= 2.0, `${unit} scores ${score}`);
  });

  it("a candidate the real tool rejects is refused and the live config stays untouched", async () => {
    const live = await container.readFile("/etc/prometheus/prometheus.yml");
    const before = await timestamps();
    await setConfig(
      stackConfig(ports, server, {
        site: "/health2",
        prometheus:
          // A duration past what Prometheus can hold (about 292 years): left to promtool to refuse.
          "  scrape_jobs:\n    - {name: broken, targets: ['127.0.0.1:1'], scrape_interval: 300y}\n",
      }),
    );
    const applied = await stackmon(["apply", "-c", CONFIG_PATH]);
    assert.equal(applied.status, 1);
    assert.match(applied.stderr, /\/etc\/prometheus\/prometheus\.yml was rejected by promtool/);
    assert.equal(await container.readFile("/etc/prometheus/prometheus.yml"), live);
    assert.deepEqual(await timestamps(), before);
    await setConfig(stackConfig(ports, server, { site: "/health2" }));
  });

  it("a service that does not come back gets its previous files back, and apply names it", async () => {
    // The new port is held by another program (this project's server, on the shared network).
    await setConfig(stackConfig(ports, server, { site: "/health2", blackboxListen: server.port }));
    const applied = await stackmon(["apply", "-c", CONFIG_PATH, "--wait", "30s"]);
    console.log(applied.stderr.trim().split("\n").slice(-6).join("\n"));
    assert.equal(applied.status, 1, applied.stdout);
    assert.match(
      applied.stderr,
      /prometheus-blackbox-exporter\.service did not come back: .*previous files were restored/,
    );
    const unit = await container.readFile("/etc/systemd/system/prometheus-blackbox-exporter.service");
    assert.match(unit, new RegExp(`127\\.0\\.0\\.1:${ports.blackbox}`));
    assert.equal(
      (
        await container.exec("systemctl", ["is-active", "prometheus-blackbox-exporter.service"])
      ).stdout.trim(),
      "active",
    );
    await setConfig(stackConfig(ports, server, { site: "/health2" }));
    assert.equal((await stackmon(["apply", "-c", CONFIG_PATH])).status, 0);
  });

  it("apply killed with SIGKILL midway, then run again, converges", async () => {
    await setConfig(stackConfig(ports, server, { site: "/health", prometheus: "  retention: 10d\n" }));
    const child = container.start("/usr/local/bin/stackmon", ["apply", "-c", CONFIG_PATH]);
    let output = "";
    const killed = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (/stackmon: (updated|created) path=/.test(output)) {
          child.stderr?.off("data", onData);
          // From this side at once: a command run in the container takes longer to start than
          // what is left of a small apply.
          const apply = descendantsOf(child.pid ?? 0).filter(isStackmonApply);
          if (apply.length === 0) return reject(new Error(`no stackmon apply under nsenter:\n${output}`));
          for (const pid of apply) process.kill(pid, "SIGKILL");
          resolve();
        }
      };
      child.stderr?.on("data", onData);
      child.once("exit", () => reject(new Error(`apply finished before it could be killed:\n${output}`)));
    });
    await killed;
    await new Promise((r) => child.once("exit", r));
    console.log(`apply was killed after:\n${output.trim().split("\n").slice(-3).join("\n")}`);

    const rerun = await stackmon(["apply", "-c", CONFIG_PATH]);
    assert.equal(rerun.status, 0, rerun.stderr);
    const plan = await stackmon(["plan", "-c", CONFIG_PATH]);
    assert.equal(plan.status, 0, plan.stdout);
    const pid = (
      await container.run("systemctl", ["show", "-p", "MainPID", "--value", "prometheus.service"])
    ).trim();
    assert.match(
      await container.run("cat", [`/proc/${pid}/cmdline`]),
      /--storage\.tsdb\.retention\.time=10d/,
    );
    await eventually("Prometheus probing the target set before the kill", async () =>
      (await prometheusTargets()).includes(server.url("/health")),
    );
    const verify = await stackmon(["verify", "-c", CONFIG_PATH, "--wait", "60s"]);
    assert.equal(verify.status, 0, verify.stdout);
  });
});

/** Node.js running `stackmon apply` (not a command apply runs). */
function isStackmonApply(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return basename(argv[0] ?? "") === "node" && argv.includes("apply");
  } catch {
    return false;
  }
}

describe("comparing a hardened exporter with its unconfined run", () => {
  // What Debian 12's node exporter said under the unit stackmon rendered before ProtectProc and
  // ProtectClock were relaxed, next to the same binary unconfined (abridged).
  const blinded = `node_filesystem_readonly{device="/dev/loop0",fstype="ext4",mountpoint="/srv/data"} 1
node_filesystem_readonly{device="tmpfs",fstype="tmpfs",mountpoint="/run/credentials"} 1
node_scrape_collector_success{collector="filesystem"} 1
node_scrape_collector_success{collector="timex"} 0
node_scrape_collector_duration_seconds{collector="timex"} 1.2e-05
process_cpu_seconds_total 0.04
`;
  const unconfined = `node_filesystem_readonly{device="/dev/loop0",fstype="ext4",mountpoint="/srv/data"} 0
node_scrape_collector_success{collector="filesystem"} 1
node_scrape_collector_success{collector="timex"} 1
node_scrape_collector_duration_seconds{collector="timex"} 8.1e-06
node_timex_sync_status 0
process_cpu_seconds_total 0.01
process_start_time_seconds 1.79e+09
`;

  it("names every family, flag and collector the sandbox changed", () => {
    assert.deepEqual(exporterDifferences(blinded, unconfined), [
      "node_timex_sync_status: only unconfined",
      "process_start_time_seconds: only unconfined",
      'node_filesystem_readonly{device="/dev/loop0",fstype="ext4",mountpoint="/srv/data"}: hardened 1, unconfined 0',
      'node_filesystem_readonly{device="tmpfs",fstype="tmpfs",mountpoint="/run/credentials"}: hardened 1, unconfined absent',
      'node_scrape_collector_success{collector="timex"}: hardened 0, unconfined 1',
      "node_timex_sync_status{}: hardened absent, unconfined 0",
    ]);
  });

  it("ignores what only says how busy the exporter was", () => {
    assert.deepEqual(
      exporterDifferences(unconfined.replace("0.01", "0.5").replace("8.1e-06", "3e-05"), unconfined),
      [],
    );
  });
});

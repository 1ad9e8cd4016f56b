// bench/apply: how long apply takes on a real systemd host (the booted Debian 12 container of
// the end-to-end suite): the first apply of the full stack with its packages already installed,
// then no-op re-applies and plans. Prints a table; run as root with systemd-nspawn and debootstrap.
//
//   node --import tsx bench/apply.ts [--runs N]
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { components } from "../src/components/registry.js";
import { render } from "../src/render/render.js";
import { parseStackConfig } from "../src/stack.js";
import { freePorts } from "../test/helpers/ports.js";
import { nodeTarball, packStackmon } from "../test/e2e/artifacts.js";
import { cannotBootReason, Container } from "../test/e2e/container.js";
import { E2E_CACHE_DIR, ensureDebianRootfs } from "../test/e2e/debianRootfs.js";
import { startProjectServer } from "../test/e2e/projectServer.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const runs = Math.max(1, Number(values.runs) || 5);

const reason = cannotBootReason();
if (reason) {
  console.error(`bench/apply needs a bootable Debian container: ${reason}`);
  process.exit(1);
}

const CONFIG = "/etc/stackmon/stackmon.yml";
const work = mkdtempSync(join(tmpdir(), "stackmon-bench-apply-"));
const server = await startProjectServer();
let container: Container | undefined;

/** Milliseconds a command takes inside the container, measured there. */
async function timed(command: string): Promise<number> {
  const out = await container!.run("sh", [
    "-c",
    `start=$(date +%s%N); ${command} >/tmp/bench.out 2>&1 || { cat /tmp/bench.out; exit 1; }; ` +
      `end=$(date +%s%N); echo $(( (end - start) / 1000000 ))`,
  ]);
  return Number(out.trim());
}

try {
  const [prometheus, alertmanager, node, blackbox, mysql, duplicati] = await freePorts(6);
  const config = `global: {hostname: bench, scrape_interval: 15s}
prometheus: {listen_address: "127.0.0.1:${prometheus}"}
alertmanager: {listen_address: "127.0.0.1:${alertmanager}"}
exporters:
  node:
    listen_address: "127.0.0.1:${node}"
    web: {basic_auth: {username: prometheus, password_file: /etc/stackmon/secrets/node.password}}
  blackbox:
    listen_address: "127.0.0.1:${blackbox}"
    targets: [{url: "${server.url("/health")}", name: site}]
  mysql:
    enabled: true
    listen_address: "127.0.0.1:${mysql}"
    socket: /run/mysqld/mysqld.sock
    create_user: true
    password_file: /etc/stackmon/secrets/mysql.password
  duplicati:
    enabled: true
    listen_address: "127.0.0.1:${duplicati}"
    token_file: /etc/stackmon/secrets/duplicati.token
`;
  const packages = render(
    parseStackConfig(config, "stackmon.yml", {}),
    { root: "", platform: "systemd" },
    components,
  )
    .packages.flatMap((p) => (p.binary.packages.apt ? [p.binary.packages.apt] : []))
    .sort();
  server.file("/install.sh", join(process.cwd(), "install.sh"));
  server.file("/stackmon.tgz", packStackmon(work));
  server.file("/node.tar", nodeTarball());
  server.text("/health", "ok\n");
  server.text("/stackmon.yml", config);

  for (const dir of ["apt-archives/partial", "npm-cache"])
    mkdirSync(join(E2E_CACHE_DIR, dir), { recursive: true });
  container = await Container.boot({
    rootfs: ensureDebianRootfs((line) => console.error(`rootfs: ${line}`)),
    name: `stackmon-bench-${process.pid}`,
    logDir: work,
    binds: [`${E2E_CACHE_DIR}/apt-archives:/var/cache/apt/archives`, `${E2E_CACHE_DIR}/npm-cache:/root/.npm`],
  });
  const trust = await container.trustHostCertificates();
  await container.writeFile("/etc/stackmon/secrets/node.password", "bench-node\n", "0600");
  await container.writeFile("/etc/stackmon/secrets/mysql.password", "bench-mysql\n", "0600");
  await container.writeFile(
    "/etc/stackmon/secrets/duplicati.token",
    "bench-duplicati-token-0123456789\n",
    "0600",
  );

  console.error("installing stackmon and the packages (not measured)");
  await container.run(
    "sh",
    [
      "-c",
      `curl -fsSL ${server.url("/install.sh")} | bash -s -- --no-apply --config ${server.url("/stackmon.yml")} ` +
        `--package ${server.url("/stackmon.tgz")} --node ${server.url("/node.tar")}`,
    ],
    { timeoutMs: 900_000, env: trust },
  );
  // Packages present, their services held back, as apply itself installs them.
  await container.run(
    "sh",
    [
      "-c",
      `printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && ` +
        `apt-get update -q && apt-get install -y -q --no-install-recommends ${packages.join(" ")}; ` +
        `status=$?; rm -f /usr/sbin/policy-rc.d; exit $status`,
    ],
    { timeoutMs: 900_000, env: { DEBIAN_FRONTEND: "noninteractive" } },
  );

  const rows: { step: string; samples: number[] }[] = [];
  rows.push({
    step: "first apply (packages present)",
    samples: [await timed(`stackmon apply -c ${CONFIG}`)],
  });
  // Until Prometheus has scraped once there is nothing to verify; not part of the measurement.
  await container.run("stackmon", ["verify", "-c", CONFIG, "--wait", "60s"]);
  const noop: number[] = [];
  const plan: number[] = [];
  const verify: number[] = [];
  for (let i = 0; i < runs; i++) {
    noop.push(await timed(`stackmon apply -c ${CONFIG}`));
    plan.push(await timed(`stackmon plan -c ${CONFIG}`));
    verify.push(await timed(`stackmon verify -c ${CONFIG}`));
  }
  rows.push({ step: "no-op re-apply", samples: noop }, { step: "plan (no changes)", samples: plan });
  rows.push({ step: "verify (one pass)", samples: verify });

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const seconds = (ms: number) => (ms / 1000).toFixed(2);
  const table = [
    ["STEP", "RUNS", "MEDIAN s", "MIN s", "MAX s"],
    ...rows.map((r) => [
      r.step,
      String(r.samples.length),
      seconds(median(r.samples)),
      seconds(Math.min(...r.samples)),
      seconds(Math.max(...r.samples)),
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  console.log(`stackmon apply on Debian 12 (systemd-nspawn), ${packages.length} packages, ${runs} runs`);
  for (const row of table)
    console.log(
      row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  "),
    );
} finally {
  await container?.stop();
  await server.close();
  rmSync(work, { recursive: true, force: true });
}

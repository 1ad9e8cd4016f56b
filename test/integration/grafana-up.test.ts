// `stackmon up` and Grafana, with the real Prometheus and exporters. Grafana cannot be installed
// here: without it, up says how to install it and runs the rest with no grafana target left
// behind; with a stand-in `grafana` program on PATH (it answers as Grafana's HTTP API does and
// reads its config the same way), up runs `grafana server` on the rendered config and
// provisioning, with a generated admin password.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { grafanaBinary } from "../../src/components/grafana/grafanaPackage.js";
import { resolveBinary } from "../../src/host/binaries.js";
import { PrometheusClient } from "../../src/lib/prometheusClient.js";
import { freePorts } from "../helpers/ports.js";
import { runCli, startUp, tempDir, type UpProcess } from "../helpers/stackmon.js";
import { eventually } from "../helpers/eventually.js";

async function stackConfig(): Promise<{ text: string; prometheus: number; grafana: number }> {
  const [prometheus, alertmanager, node, blackbox, grafana] = await freePorts(5);
  const text = `global: {hostname: grafana-it, scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
prometheus: {listen_address: "127.0.0.1:${prometheus}"}
alertmanager: {listen_address: "127.0.0.1:${alertmanager}"}
exporters:
  node: {listen_address: "127.0.0.1:${node}"}
  blackbox: {listen_address: "127.0.0.1:${blackbox}"}
grafana: {listen_address: "127.0.0.1:${grafana}"}
`;
  return { text, prometheus: prometheus ?? 0, grafana: grafana ?? 0 };
}

/**
 * Grafana as far as `up` meets it: `grafana server --homepath --config`, the ini's [server]
 * address, $__file{} expanded at start (a missing file is fatal, as in Grafana), /api/health and
 * /metrics. What it was started with is written beside it for the test.
 */
const STAND_IN = `
const { readFileSync, writeFileSync } = require("node:fs");
const { createServer } = require("node:http");
const [command, ...flags] = process.argv.slice(2);
if (command !== "server") { console.error("usage: grafana server [flags]"); process.exit(2); }
const config = flags.find((f) => f.startsWith("--config="))?.slice("--config=".length);
const ini = readFileSync(config, "utf8");
const value = (section, key) => {
  const body = ini.split("[" + section + "]\\n")[1]?.split("\\n[")[0] ?? "";
  return new RegExp("^" + key + " = (.*)$", "m").exec(body)?.[1];
};
const expand = (v) => v.replace(/\\$__file\\{([^}]*)\\}/g, (_, file) => readFileSync(file, "utf8").trim());
const adminPassword = expand(value("security", "admin_password"));
writeFileSync(__filename + ".seen.json", JSON.stringify({ argv: process.argv.slice(2), adminPassword }));
createServer((request, response) => {
  if (request.url === "/api/health") return response.end(JSON.stringify({ database: "ok" }));
  if (request.url === "/metrics") {
    response.setHeader("content-type", "text/plain; version=0.0.4");
    return response.end('# TYPE grafana_build_info gauge\\ngrafana_build_info{version="stand-in"} 1\\n');
  }
  response.statusCode = 404;
  response.end();
}).listen(Number(value("server", "http_port")), value("server", "http_addr"));
process.on("SIGTERM", () => process.exit(0));
`;

describe("stackmon up without Grafana installed", () => {
  let up: UpProcess;
  let prometheus: PrometheusClient;

  before(async () => {
    assert.equal(resolveBinary(grafanaBinary), undefined, "this machine has no Grafana");
    const config = await stackConfig();
    up = await startUp(config.text, { args: ["--wait", "30s"] });
    prometheus = new PrometheusClient(`http://127.0.0.1:${config.prometheus}`);
  });
  after(async () => {
    await up?.stop();
  });

  it("says that Grafana is missing and how to install it from Grafana's repository", () => {
    assert.match(up.output(), /stackmon: grafana is not installed; carrying on without it hint=/);
    assert.match(
      up.output(),
      /deb \[signed-by=\/etc\/apt\/keyrings\/grafana\.asc\] https:\/\/apt\.grafana\.com stable main.*apt-get install grafana/,
    );
  });

  it("runs everything else, and Prometheus has no grafana target to show as down", async () => {
    assert.match(up.output(), /all targets up/);
    const jobs = [...new Set((await prometheus.activeTargets()).map((t) => t.job))].sort();
    assert.deepEqual(jobs, ["alertmanager", "blackbox", "node", "prometheus"]);
    const loaded = parse(await prometheus.loadedConfig()) as { scrape_configs: { job_name: string }[] };
    assert.equal(
      loaded.scrape_configs.some((job) => job.job_name === "grafana"),
      false,
    );
  });
});

describe("stackmon up with a grafana program on PATH", () => {
  let up: UpProcess;
  let prometheus: PrometheusClient;
  let bin: string;
  let grafanaPort: number;
  const dir = tempDir("stackmon-grafana-up-");
  const work = join(dir, "work");

  before(async () => {
    bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "grafana"), `#!${process.execPath}\n${STAND_IN}`);
    chmodSync(join(bin, "grafana"), 0o755);
    const config = await stackConfig();
    grafanaPort = config.grafana;
    up = await startUp(config.text, {
      dir,
      args: ["--wait", "30s"],
      env: { ...process.env, PATH: `${bin}:${process.env["PATH"] ?? ""}` },
    });
    prometheus = new PrometheusClient(`http://127.0.0.1:${config.prometheus}`);
  });
  after(async () => {
    await up?.stop();
  });

  it("runs `grafana server` on the rendered grafana.ini, with Grafana's home", () => {
    const seen = JSON.parse(readFileSync(join(bin, "grafana.seen.json"), "utf8")) as { argv: string[] };
    assert.deepEqual(seen.argv, [
      "server",
      "--homepath=/usr/share/grafana",
      `--config=${work}/etc/grafana/grafana.ini`,
    ]);
    assert.match(
      up.output(),
      new RegExp(`^grafana\\s+\\d+\\s+http://127\\.0\\.0\\.1:${grafanaPort}\\s`, "m"),
    );
  });

  it("generates an admin password once, readable by the invoking user only", () => {
    const file = join(work, "etc/stackmon/grafana/admin.password");
    const password = readFileSync(file, "utf8");
    assert.match(password, /^[A-Za-z0-9]{32}$/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const seen = JSON.parse(readFileSync(join(bin, "grafana.seen.json"), "utf8")) as {
      adminPassword: string;
    };
    assert.equal(seen.adminPassword, password, "Grafana reads it through $__file{}");
    assert.match(up.output(), /provisioned step=grafana-admin-password/);
  });

  it("lays the provisioning out in the work directory, pointing at this Prometheus", () => {
    const ini = readFileSync(join(work, "etc/grafana/grafana.ini"), "utf8");
    assert.match(ini, new RegExp(`^provisioning = ${work}/etc/grafana/provisioning$`, "m"));
    const datasources = parse(
      readFileSync(join(work, "etc/grafana/provisioning/datasources/stackmon.yaml"), "utf8"),
    ) as { datasources: { uid: string; url: string }[] };
    assert.ok(
      datasources.datasources.some(
        (d) => d.uid === "stackmon-prometheus" && d.url.startsWith("http://127.0.0.1:"),
      ),
    );
    const provider = readFileSync(join(work, "etc/grafana/provisioning/dashboards/stackmon.yaml"), "utf8");
    assert.match(provider, new RegExp(`path: ${work}/etc/grafana/dashboards/stackmon`));
  });

  it("a configured admin password file that is missing stops a second up, naming the key and the file", async () => {
    const other = tempDir("stackmon-grafana-missing-");
    const config = (await stackConfig()).text.replace(
      /^grafana: \{(.*)\}$/m,
      "grafana: {$1, admin_password_file: /nonexistent/grafana-admin.password}",
    );
    writeFileSync(join(other, "stackmon.yml"), config);
    const result = runCli(
      ["up", "-c", join(other, "stackmon.yml"), "--dir", join(other, "work"), "--no-install"],
      {
        env: { ...process.env, PATH: `${bin}:${process.env["PATH"] ?? ""}` },
      },
    );
    rmSync(other, { recursive: true, force: true });
    assert.equal(result.status, 1, result.stderr);
    assert.match(
      result.stderr,
      /grafana\.admin_password_file: cannot read secret file \/nonexistent\/grafana-admin\.password \(ENOENT\)/,
    );
  });

  it("Prometheus scrapes Grafana as job grafana, instance the host's name", async () => {
    const target = await eventually("the grafana target up", async () => {
      const found = (await prometheus.activeTargets()).find((t) => t.job === "grafana");
      return found?.health === "up" ? found : undefined;
    });
    assert.equal(target.instance, "grafana-it");
  });
});

import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parse } from "yaml";
import { z } from "zod";
import { ConfigError } from "../../config/configError.js";
import type { DesiredState, FileSpec, SecretRef } from "../../render/desiredState.js";
import { maskedText, resolvedText } from "../../render/fileContent.js";
import { render } from "../../render/render.js";
import { configSchema, HOST_TARGET, parseStackConfig, renderStack } from "../../stack.js";
import { memoryConfigFiles } from "../../config/configFiles.js";
import { defineComponent, type Component, type DashboardSpec } from "../component.js";
import { components } from "../registry.js";
import { ALERTMANAGER_DATASOURCE_UID, PROMETHEUS_DATASOURCE_UID } from "../shared/grafanaDatasources.js";

const stateOf = (text: string): DesiredState =>
  renderStack(parseStackConfig(text, "stackmon.yml", {}), HOST_TARGET);

function file(state: DesiredState, path: string): FileSpec {
  const found = state.files.find((f) => f.path === path);
  assert.ok(found, `${path} is rendered`);
  return found;
}

const text = (state: DesiredState, path: string) => maskedText(file(state, path).content);

/** The lines of an ini section, as key → value. */
function iniSection(ini: string, name: string): Record<string, string> {
  const body = ini.split(`[${name}]\n`)[1]?.split("\n\n")[0] ?? "";
  return Object.fromEntries(
    body
      .split("\n")
      .filter((l) => l.includes(" = "))
      .map((l) => l.split(" = ") as [string, string]),
  );
}

interface DatasourceFile {
  apiVersion: number;
  prune: boolean;
  datasources: {
    uid: string;
    type: string;
    url: string;
    isDefault: boolean;
    basicAuth?: boolean;
    basicAuthUser?: string;
    jsonData: Record<string, unknown>;
    secureJsonData?: Record<string, string>;
  }[];
}

const datasources = (state: DesiredState) =>
  parse(text(state, "/etc/grafana/provisioning/datasources/stackmon.yaml")) as DatasourceFile;

/** Stand-ins for the stack's own dashboards, so overrides have something to act on. */
function withDashboards(dashboards: readonly DashboardSpec[]): Component[] {
  const extra = defineComponent({
    id: "dashboards-under-test",
    title: "dashboards",
    // Grafana's own settings: enabled whenever Grafana is, which is when dashboards matter.
    configPath: ["grafana"],
    schema: parseable,
    example: "",
    contribute: () => ({ scrapeJobs: [], endpoints: [], listens: [] }),
    render: () => ({ files: [], directories: [], users: [], packages: [] }),
  });
  // The real components' own dashboards are left out, so that these are the stack's only ones.
  return [
    ...components.map((c) => ({ ...c, dashboardUids: [], dashboards: () => [] })),
    { ...extra, dashboardUids: dashboards.map((d) => d.uid), dashboards: () => dashboards },
  ];
}
const parseable = z.unknown().transform(() => ({ enabled: true as const }));

describe("grafana component: grafana.ini", () => {
  const state = stateOf("global: {hostname: web1}\n");
  const ini = text(state, "/etc/grafana/grafana.ini");

  it("listens on loopback port 3000 over plain HTTP by default", () => {
    assert.deepEqual(iniSection(ini, "server"), {
      protocol: "http",
      http_addr: "127.0.0.1",
      http_port: "3000",
      enable_gzip: "true",
    });
  });

  it("has no anonymous access, no sign-up, no gravatar and no calls home", () => {
    assert.equal(iniSection(ini, "auth.anonymous")["enabled"], "false");
    assert.equal(iniSection(ini, "users")["allow_sign_up"], "false");
    assert.equal(iniSection(ini, "users")["allow_org_create"], "false");
    assert.equal(iniSection(ini, "security")["disable_gravatar"], "true");
    assert.deepEqual(iniSection(ini, "analytics"), {
      reporting_enabled: "false",
      check_for_updates: "false",
      check_for_plugin_updates: "false",
      feedback_links_enabled: "false",
    });
    assert.equal(iniSection(ini, "snapshots")["external_enabled"], "false");
    assert.equal(iniSection(ini, "news")["news_feed_enabled"], "false");
  });

  it("reads the admin password from its file and keeps cookies insecure only without TLS", () => {
    const security = iniSection(ini, "security");
    assert.equal(security["admin_user"], "admin");
    assert.equal(security["admin_password"], "$__file{/etc/stackmon/grafana/admin.password}");
    assert.equal(security["cookie_secure"], "false");
  });

  it("points its paths at the package's layout", () => {
    assert.deepEqual(iniSection(ini, "paths"), {
      data: "/var/lib/grafana",
      logs: "/var/log/grafana",
      plugins: "/var/lib/grafana/plugins",
      provisioning: "/etc/grafana/provisioning",
    });
  });

  it("exposed beyond loopback it serves HTTPS, secure cookies, and /metrics behind basic auth", () => {
    const exposed = stateOf(`grafana:
  listen_address: 0.0.0.0:3000
  root_url: https://grafana.example.com/
  web:
    tls: {cert_file: /etc/ssl/grafana.crt, key_file: /etc/ssl/grafana.key}
    basic_auth: {username: prometheus, password_file: /etc/stackmon/secrets/grafana-metrics.password}
`);
    const exposedIni = text(exposed, "/etc/grafana/grafana.ini");
    assert.deepEqual(iniSection(exposedIni, "server"), {
      protocol: "https",
      http_addr: "0.0.0.0",
      http_port: "3000",
      root_url: "https://grafana.example.com/",
      cert_file: "/etc/ssl/grafana.crt",
      cert_key: "/etc/ssl/grafana.key",
      enable_gzip: "true",
    });
    assert.equal(iniSection(exposedIni, "security")["cookie_secure"], "true");
    assert.deepEqual(iniSection(exposedIni, "metrics"), {
      enabled: "true",
      basic_auth_username: "prometheus",
      basic_auth_password: "$__file{/etc/stackmon/grafana/metrics.password}",
    });
    const job = exposed.scrapeJobs.find((j) => j.jobName === "grafana");
    assert.equal(job?.scheme, "https");
    assert.deepEqual(job?.basicAuth, {
      username: "prometheus",
      passwordFile: "/etc/prometheus/secrets/grafana.password",
      password: {
        kind: "file",
        path: "/etc/stackmon/secrets/grafana-metrics.password",
        configKey: "grafana.web.basic_auth.password_file",
      },
    });
    assert.equal(file(exposed, "/etc/prometheus/secrets/grafana.password").group, "prometheus");
  });

  it("refuses to listen beyond loopback without TLS and basic auth, at the address's position", () => {
    assert.throws(
      () => parseStackConfig("grafana:\n  listen_address: 0.0.0.0:3000\n", "stackmon.yml", {}),
      (error: unknown) =>
        error instanceof ConfigError &&
        /^stackmon\.yml:2:19: grafana\.listen_address: listens on 0\.0\.0\.0, beyond this host, so it needs web\.tls and web\.basic_auth$/m.test(
          error.describe(),
        ),
    );
  });
});

describe("grafana component: secrets", () => {
  const SECRET = "admin-secret-never-in-config";
  const readSecret = (_: SecretRef) => SECRET;
  const state = stateOf(
    "grafana:\n  admin_user: boss\n  admin_password_file: /etc/stackmon/secrets/grafana-admin.password\n",
  );
  const grafanaFiles = state.files.filter(
    (f) => f.path.includes("grafana") && !f.path.startsWith("/etc/grafana/dashboards/"),
  );

  it("writes the configured admin password only into its own 0640 root:grafana file", () => {
    const holders = grafanaFiles.filter((f) => resolvedText(f.content, readSecret).includes(SECRET));
    assert.deepEqual(
      holders.map((f) => [f.path, f.mode.toString(8), f.owner, f.group]),
      [["/etc/stackmon/grafana/admin.password", "640", "root", "grafana"]],
    );
    for (const path of [
      "/etc/grafana/grafana.ini",
      "/etc/default/grafana-server",
      "/etc/systemd/system/grafana-server.service.d/stackmon.conf",
    ])
      assert.equal(typeof file(state, path).content, "string", `${path} has no secret part`);
  });

  it("authenticates its provisioning reload as that admin, from that file", () => {
    const service = state.services.find((s) => s.id === "grafana");
    assert.deepEqual(service?.reload, {
      kind: "http",
      method: "POST",
      paths: ["/api/admin/provisioning/datasources/reload", "/api/admin/provisioning/dashboards/reload"],
      basicAuth: { username: "boss", passwordFile: "/etc/stackmon/grafana/admin.password" },
    });
    assert.deepEqual(service?.provisioning, [], "nothing to generate when a password is configured");
  });

  it("without a configured password, generates one on the host at apply and never in render", () => {
    const generated = stateOf("");
    assert.equal(
      generated.files.some((f) => f.path === "/etc/stackmon/grafana/admin.password"),
      false,
    );
    const step = generated.services.find((s) => s.id === "grafana")?.provisioning?.[0];
    assert.equal(step?.id, "grafana-admin-password");
    assert.deepEqual(step?.check, { program: "test", args: ["-s", "/etc/stackmon/grafana/admin.password"] });
    assert.match(step?.run.args[1] ?? "", /\/dev\/urandom/);
    assert.match(step?.run.args[1] ?? "", /chown root:grafana "\$tmp" && chmod 0640 "\$tmp"/);
  });

  it("refuses both a password file and a variable", () => {
    assert.throws(
      () =>
        parseStackConfig(
          "grafana:\n  admin_password_file: /a\n  admin_password_env: GRAFANA_PW\n",
          "stackmon.yml",
          {},
        ),
      (error: unknown) =>
        error instanceof ConfigError &&
        /^stackmon\.yml:2:24: grafana\.admin_password_file: set one of/m.test(error.describe()),
    );
  });
});

describe("grafana component: the package's unit, extended", () => {
  const state = stateOf("");
  const service = state.services.find((s) => s.id === "grafana");

  it("adds a drop-in to grafana-server.service instead of replacing the unit", () => {
    assert.equal(service?.packagedUnit, true);
    assert.equal(
      state.files.some((f) => f.path === "/etc/systemd/system/grafana-server.service"),
      false,
    );
    const dropIn = text(state, "/etc/systemd/system/grafana-server.service.d/stackmon.conf");
    assert.doesNotMatch(dropIn, /^ExecStart=/m, "the package's ExecStart stays");
    assert.match(dropIn, /^EnvironmentFile=\nEnvironmentFile=\/etc\/default\/grafana-server$/m);
    assert.match(dropIn, /^Restart=on-failure$/m);
    assert.match(dropIn, /^ProtectSystem=strict$/m);
    assert.match(dropIn, /^ReadWritePaths=\/var\/lib\/grafana \/var\/log\/grafana$/m);
    assert.match(dropIn, /^CapabilityBoundingSet=$/m);
  });

  it("keeps the variables the package's ExecStart expands in its environment file", () => {
    const env = text(state, "/etc/default/grafana-server");
    for (const line of [
      "CONF_FILE=/etc/grafana/grafana.ini",
      "DATA_DIR=/var/lib/grafana",
      "LOG_DIR=/var/log/grafana",
      "PLUGINS_DIR=/var/lib/grafana/plugins",
      "PROVISIONING_CFG_DIR=/etc/grafana/provisioning",
      "PID_FILE_DIR=/var/run/grafana",
    ])
      assert.ok(env.split("\n").includes(line), line);
  });

  it("comes from Grafana's repositories, and up runs `grafana server` on the rendered config", () => {
    const spec = state.packages.find((p) => p.binary.name === "grafana");
    assert.deepEqual(spec?.binary.packages, { apt: "grafana", dnf: "grafana" });
    assert.equal(spec?.repository?.apt?.keyPath, "/etc/apt/keyrings/grafana.asc");
    assert.equal(service?.optional, true);
    const up = renderStack(parseStackConfig(""), { root: "/work", platform: "supervisor" });
    assert.deepEqual(up.services.find((s) => s.id === "grafana")?.args, [
      "server",
      "--homepath=/usr/share/grafana",
      "--config=/work/etc/grafana/grafana.ini",
    ]);
    assert.match(
      maskedText(up.files.find((f) => f.path === "/etc/grafana/grafana.ini")?.content ?? ""),
      /^provisioning = \/work\/etc\/grafana\/provisioning$/m,
    );
  });

  it("is scraped as job grafana, instance the host's name", () => {
    const job = stateOf("global: {hostname: web1}\n").scrapeJobs.find((j) => j.jobName === "grafana");
    assert.deepEqual(job?.staticConfigs, [{ targets: ["127.0.0.1:3000"], labels: { instance: "web1" } }]);
  });

  it("is left out entirely when disabled", () => {
    const off = stateOf("grafana: {enabled: false}\n");
    assert.equal(
      off.services.some((s) => s.id === "grafana"),
      false,
    );
    assert.equal(
      off.scrapeJobs.some((j) => j.jobName === "grafana"),
      false,
    );
    assert.equal(
      off.files.some((f) => f.path.includes("grafana")),
      false,
    );
  });
});

describe("grafana component: provisioning", () => {
  it("provisions Prometheus with its stable uid, the scrape interval and POST, pruning the rest", () => {
    const provisioned = datasources(stateOf("global: {scrape_interval: 30s}\n"));
    assert.equal(provisioned.apiVersion, 1);
    assert.equal(provisioned.prune, true);
    const prometheus = provisioned.datasources.find((d) => d.uid === PROMETHEUS_DATASOURCE_UID);
    assert.deepEqual(prometheus && [prometheus.type, prometheus.url, prometheus.isDefault], [
      "prometheus",
      "http://127.0.0.1:9090",
      true,
    ]);
    assert.deepEqual(prometheus?.jsonData, { httpMethod: "POST", timeInterval: "30s" });
    assert.equal(prometheus?.basicAuth, undefined);
  });

  it("provisions Alertmanager only when the stack has one", () => {
    const withAm = datasources(stateOf("")).datasources.find((d) => d.uid === ALERTMANAGER_DATASOURCE_UID);
    assert.deepEqual(withAm && [withAm.type, withAm.url, withAm.jsonData], [
      "alertmanager",
      "http://127.0.0.1:9093",
      { implementation: "prometheus" },
    ]);
    const without = datasources(stateOf("alertmanager: {enabled: false}\n"));
    assert.deepEqual(
      without.datasources.map((d) => d.uid),
      [PROMETHEUS_DATASOURCE_UID],
    );
  });

  it("queries a protected Prometheus as its scrape job does, the password from Grafana's copy", () => {
    const state = stateOf(`prometheus:
  listen_address: 0.0.0.0:9090
  web:
    tls: {cert_file: /etc/ssl/p.crt, key_file: /etc/ssl/p.key}
    basic_auth: {username: admin, password_env: PROMETHEUS_PASSWORD}
`);
    const prometheus = datasources(state).datasources.find((d) => d.uid === PROMETHEUS_DATASOURCE_UID);
    assert.equal(prometheus?.url, "https://127.0.0.1:9090");
    assert.equal(prometheus?.basicAuth, true);
    assert.equal(prometheus?.basicAuthUser, "admin");
    assert.equal(prometheus?.jsonData["tlsSkipVerify"], true);
    assert.deepEqual(prometheus?.secureJsonData, {
      basicAuthPassword: "$__file{/etc/stackmon/grafana/prometheus.password}",
    });
    const yaml = file(state, "/etc/grafana/provisioning/datasources/stackmon.yaml");
    assert.equal(typeof yaml.content, "string", "no secret is rendered into the YAML");
    const step = state.services
      .find((s) => s.id === "grafana")
      ?.provisioning?.find((p) => p.id === "grafana-credentials-prometheus");
    assert.deepEqual(step?.inputs, ["/etc/prometheus/secrets/prometheus.password"]);
    assert.deepEqual(step?.check.args, [
      "-s",
      "/etc/prometheus/secrets/prometheus.password",
      "/etc/stackmon/grafana/prometheus.password",
    ]);
  });

  it("loads the stackmon folder from files the UI can neither change nor delete", () => {
    const provider = parse(text(stateOf(""), "/etc/grafana/provisioning/dashboards/stackmon.yaml")) as {
      apiVersion: number;
      providers: Record<string, unknown>[];
    };
    assert.equal(provider.apiVersion, 1);
    assert.deepEqual(provider.providers, [
      {
        name: "stackmon",
        orgId: 1,
        type: "file",
        folder: "stackmon",
        folderUid: "stackmon",
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path: "/etc/grafana/dashboards/stackmon", foldersFromFilesStructure: false },
      },
    ]);
  });

  it("keeps an alerting provisioning directory for Grafana-managed alerting", () => {
    assert.ok(stateOf("").directories.some((d) => d.path === "/etc/grafana/provisioning/alerting"));
  });
});

describe("grafana component: dashboards", () => {
  const stackDashboards: DashboardSpec[] = [
    {
      uid: "zz-last",
      title: "Last",
      json: { title: "Last", uid: "zz-last", panels: [{ type: "stat", id: 1 }] },
    },
    { uid: "aa-first", title: "First", json: { uid: "aa-first", title: "First", id: 7 } },
  ];
  const renderWith = (config: string) =>
    render(parseStackConfig(config, "stackmon.yml", {}), HOST_TARGET, withDashboards(stackDashboards));
  const ours = new Set(["aa-first", "zz-last", "extra-a", "extra-b"]);
  /** The dashboard files of these tests (the stack also builds an overview of its own). */
  const dashboardFiles = (state: DesiredState) =>
    state.files.filter(
      (f) =>
        f.path.startsWith("/etc/grafana/dashboards/stackmon/") &&
        ours.has(
          f.path
            .split("/")
            .pop()
            ?.replace(/\.json$/, "") ?? "",
        ),
    );
  const dir = mkdtempSync(join(tmpdir(), "stackmon-grafana-dashboards-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes each of the stack's dashboards as <uid>.json, keys sorted, without a database id", () => {
    const files = dashboardFiles(renderWith(""));
    assert.deepEqual(
      files.map((f) => f.path),
      ["/etc/grafana/dashboards/stackmon/aa-first.json", "/etc/grafana/dashboards/stackmon/zz-last.json"],
    );
    assert.equal(maskedText(files[0]?.content ?? ""), '{\n  "title": "First",\n  "uid": "aa-first"\n}\n');
    assert.match(
      maskedText(files[1]?.content ?? ""),
      /^\{\n {2}"panels": \[\n {4}\{\n {6}"id": 1,\n {6}"type": "stat"/,
    );
    assert.deepEqual(files[0]?.consumers, [{ service: "grafana", onChange: "reload" }]);
  });

  it("renders byte-identical files for the same config", () => {
    const config = `grafana:\n  extra_dashboards: [${JSON.stringify(dir)}]\n`;
    writeFileSync(
      join(dir, "team.json"),
      JSON.stringify({ uid: "team", title: "Team", b: 1, a: { d: 2, c: 3 } }),
    );
    const once = renderStack(parseStackConfig(config, "stackmon.yml", {}), HOST_TARGET);
    const twice = renderStack(parseStackConfig(config, "stackmon.yml", {}), HOST_TARGET);
    const bytes = (state: DesiredState) =>
      state.files.filter((f) => f.path.includes("grafana")).map((f) => `${f.path}\n${maskedText(f.content)}`);
    assert.deepEqual(bytes(once), bytes(twice));
    assert.equal(
      text(once, "/etc/grafana/dashboards/stackmon/team.json"),
      '{\n  "a": {\n    "c": 3,\n    "d": 2\n  },\n  "b": 1,\n  "title": "Team",\n  "uid": "team"\n}\n',
    );
    rmSync(join(dir, "team.json"));
  });

  it("adds extra dashboards from a file or a folder, and replaces or leaves out the stack's own", () => {
    const folder = join(dir, "folder");
    mkdirSync(folder);
    writeFileSync(join(folder, "b.json"), JSON.stringify({ uid: "extra-b", title: "B" }));
    writeFileSync(join(folder, "notes.txt"), "not a dashboard");
    const single = join(dir, "single.json");
    writeFileSync(single, JSON.stringify({ uid: "extra-a", title: "A" }));
    const replacement = join(dir, "replacement.json");
    writeFileSync(replacement, JSON.stringify({ title: "Mine instead" }));
    const state = renderStack(
      parseStackConfig(
        `grafana:
  extra_dashboards: [${JSON.stringify(single)}, ${JSON.stringify(folder)}]
  dashboards:
    stackmon-node: {file: ${JSON.stringify(replacement)}}
    stackmon-prometheus: {enabled: false}
`,
        "stackmon.yml",
        {},
      ),
      HOST_TARGET,
    );
    const written = state.files
      .filter((f) => f.path.startsWith("/etc/grafana/dashboards/stackmon/"))
      .map((f) => f.path.split("/").pop());
    assert.ok(written.includes("extra-a.json") && written.includes("extra-b.json"));
    assert.ok(!written.includes("stackmon-prometheus.json"), "left out");
    assert.deepEqual(JSON.parse(text(state, "/etc/grafana/dashboards/stackmon/stackmon-node.json")), {
      title: "Mine instead",
      uid: "stackmon-node",
    });
    rmSync(folder, { recursive: true });
  });

  it("reads the files through the config's file port: the schema and render read no disk", () => {
    const files = memoryConfigFiles({
      "/dashboards/team.json": JSON.stringify({ uid: "team", title: "Team" }),
      "/dashboards/ops.json": JSON.stringify({ uid: "ops", title: "Ops" }),
    });
    assert.ok(configSchema.safeParse({ grafana: { extra_dashboards: ["/nowhere"] } }).success);
    const config = parseStackConfig(
      "grafana:\n  extra_dashboards: [/dashboards]\n",
      "stackmon.yml",
      {},
      files,
    );
    const written = renderStack(config, HOST_TARGET).files.map((f) => f.path);
    assert.ok(written.includes("/etc/grafana/dashboards/stackmon/team.json"));
    assert.ok(written.includes("/etc/grafana/dashboards/stackmon/ops.json"));
  });
});

describe("grafana component: bad dashboard files", () => {
  const dir = mkdtempSync(join(tmpdir(), "stackmon-grafana-bad-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The problems as `stackmon validate` prints them. */
  function problems(config: string): string {
    try {
      parseStackConfig(config, "stackmon.yml", {});
    } catch (error) {
      if (error instanceof ConfigError) return error.describe();
      throw error;
    }
    assert.fail("the config was accepted");
  }

  it("a missing file, at its position in extra_dashboards", () => {
    const missing = join(dir, "missing.json");
    assert.equal(
      problems(`grafana:\n  extra_dashboards:\n    - ${missing}\n`),
      `stackmon.yml:3:7: grafana.extra_dashboards[0]: cannot read ${missing} (no such file or folder)`,
    );
  });

  it("invalid JSON inside a folder names the file, at the folder's position", () => {
    const folder = join(dir, "broken");
    mkdirSync(folder);
    writeFileSync(join(folder, "ok.json"), JSON.stringify({ uid: "ok", title: "OK" }));
    writeFileSync(join(folder, "bad.json"), '{"title": "Bad",');
    assert.match(
      problems(`grafana:\n  extra_dashboards: [${folder}]\n`),
      new RegExp(
        `^stackmon\\.yml:2:22: grafana\\.extra_dashboards\\[0\\]: ${join(folder, "bad.json")} is not valid JSON: `,
      ),
    );
  });

  it("a dashboard without a uid, or exported for sharing externally", () => {
    const noUid = join(dir, "no-uid.json");
    writeFileSync(noUid, JSON.stringify({ title: "No uid" }));
    const shared = join(dir, "shared.json");
    writeFileSync(
      shared,
      JSON.stringify({ __inputs: [{ name: "DS_PROMETHEUS" }], uid: "s", title: "Shared" }),
    );
    assert.equal(
      problems(`grafana:\n  extra_dashboards: [${noUid}, ${shared}]\n`),
      [
        `stackmon.yml:2:22: grafana.extra_dashboards[0]: ${noUid} has no "uid": give it one, so that links to it stay valid`,
        `stackmon.yml:2:${23 + noUid.length + 1}: grafana.extra_dashboards[1]: ${shared} is an export for sharing externally (it has __inputs): export it without that option, or use the datasource uid stackmon-prometheus`,
      ].join("\n"),
    );
  });

  it("an override pointing at a missing file, at its file key", () => {
    const missing = join(dir, "gone.json");
    assert.equal(
      problems(`grafana:\n  dashboards:\n    stackmon-node:\n      file: ${missing}\n`),
      `stackmon.yml:4:13: grafana.dashboards.stackmon-node.file: cannot read ${missing} (no such file)`,
    );
  });

  it("an override whose JSON carries another uid", () => {
    const other = join(dir, "other.json");
    writeFileSync(other, JSON.stringify({ uid: "something-else", title: "Other" }));
    assert.match(
      problems(`grafana:\n  dashboards:\n    stackmon-node: {file: ${other}}\n`),
      /grafana\.dashboards\.stackmon-node\.file: .*other\.json: its uid is "something-else", not "stackmon-node"$/,
    );
  });

  it("an override naming no dashboard of the stack, at its uid, listing the stack's", () => {
    assert.match(
      problems("grafana:\n  dashboards:\n    no-such: {enabled: false}\n"),
      /^stackmon\.yml:3:5: grafana\.dashboards\.no-such: the stack has no dashboard with uid "no-such" \(it has: stackmon-alertmanager, .*stackmon-overview, .*\) \(grafana\.extra_dashboards adds a dashboard of your own\)$/,
    );
  });

  it("an override of a dashboard whose component is off names nothing", () => {
    assert.match(
      problems("grafana:\n  dashboards:\n    stackmon-mysql: {enabled: false}\n"),
      /^stackmon\.yml:3:5: grafana\.dashboards\.stackmon-mysql: the stack has no dashboard with uid "stackmon-mysql"/,
    );
  });

  it("an extra dashboard with the uid of one of the stack's, at its entry", () => {
    const copy = join(dir, "copy.json");
    writeFileSync(copy, JSON.stringify({ uid: "stackmon-node", title: "My node" }));
    assert.equal(
      problems(`grafana:\n  extra_dashboards:\n    - ${copy}\n`),
      `stackmon.yml:3:7: grafana.extra_dashboards[0]: ${copy} has the uid of the stack's dashboard "stackmon-node" (to replace that dashboard, use grafana.dashboards.stackmon-node.file)`,
    );
  });

  it("reads nothing when Grafana is disabled", () => {
    assert.doesNotThrow(() =>
      parseStackConfig(`grafana:\n  enabled: false\n  extra_dashboards: [${join(dir, "missing.json")}]\n`),
    );
  });
});

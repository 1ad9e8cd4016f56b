import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, formatIssue } from "../../config/configError.js";
import { maskedText } from "../../render/fileContent.js";
import { HOST_TARGET, parseStackConfig, renderStack } from "../../stack.js";

describe("pm2 component", () => {
  const state = renderStack(
    parseStackConfig(
      "global: {hostname: app1}\nexporters:\n  pm2: {enabled: true, user: deploy, min_age: 10s}\n",
      "stackmon.yml",
      {},
    ),
    HOST_TARGET,
  );
  const service = state.services.find((s) => s.id === "pm2");

  it("runs as the PM2 owner against their PM2_HOME, never creating that user", () => {
    assert.equal(service?.user, "deploy");
    assert.ok(service?.args.includes("--pm2.home=/home/deploy/.pm2"));
    assert.ok(service?.args.includes("--pm2.min-age=10s"));
    assert.deepEqual(state.users.find((u) => u.name === "deploy")?.create, false);
  });

  it("sees only PM2_HOME of that home, read-only", () => {
    const unit = maskedText(
      state.files.find((f) => f.path === "/etc/systemd/system/stackmon-pm2-exporter.service")?.content ?? "",
    );
    assert.match(unit, /^ProtectHome=tmpfs$/m);
    assert.match(unit, /^BindReadOnlyPaths=\/home\/deploy\/\.pm2$/m);
    assert.match(unit, /^MemoryDenyWriteExecute=false$/m);
  });

  it("is scraped as job pm2 on 127.0.0.1:9209", () => {
    const job = state.scrapeJobs.find((j) => j.jobName === "pm2");
    assert.deepEqual(job?.staticConfigs[0]?.targets, ["127.0.0.1:9209"]);
  });

  it("asks the daemon at most once per 0.6 scrape intervals, waiting less than Prometheus would", () => {
    const argsOf = (yaml: string) =>
      renderStack(parseStackConfig(yaml, "stackmon.yml", {}), HOST_TARGET).services.find(
        (s) => s.id === "pm2",
      )?.args ?? [];
    const defaults = argsOf("exporters:\n  pm2: {enabled: true, user: deploy}\n");
    assert.ok(defaults.includes("--pm2.min-age=9s"), defaults.join(" "));
    assert.ok(defaults.includes("--pm2.timeout=3s"));
    const slow = argsOf(
      "global: {scrape_interval: 5s, scrape_timeout: 2s}\nexporters:\n  pm2: {enabled: true, user: deploy, scrape_interval: 1m}\n",
    );
    assert.ok(slow.includes("--pm2.min-age=36s"), slow.join(" "));
    assert.ok(slow.includes("--pm2.timeout=1s600ms"));
    // No scrape_timeout: Prometheus's own, the interval when it is under 10 s.
    const fast = argsOf("global: {scrape_interval: 1s}\nexporters:\n  pm2: {enabled: true, user: deploy}\n");
    assert.ok(fast.includes("--pm2.timeout=800ms"), fast.join(" "));
    assert.ok(fast.includes("--pm2.min-age=600ms"));
    assert.ok(defaults.includes("--pm2.list-max-age=1m"), defaults.join(" "));
    assert.ok(slow.includes("--pm2.list-max-age=2m"), "two intervals of a slow job");
    const listAge = argsOf("exporters:\n  pm2: {enabled: true, user: deploy, list_max_age: 9s}\n");
    assert.ok(listAge.includes("--pm2.list-max-age=9s"), listAge.join(" "));
    assert.throws(
      () =>
        parseStackConfig(
          "exporters:\n  pm2: {enabled: true, user: deploy, list_max_age: soon}\n",
          "stackmon.yml",
          {},
        ),
      (error: unknown) =>
        error instanceof ConfigError &&
        /stackmon\.yml:2:\d+: exporters\.pm2\.list_max_age: must be a Prometheus duration/.test(
          error.issues.map(formatIssue).join(),
        ),
    );
  });

  it("needs to know whose PM2 to watch", () => {
    assert.throws(
      () => parseStackConfig("exporters:\n  pm2:\n    enabled: true\n", "stackmon.yml", {}),
      (e: unknown) =>
        e instanceof ConfigError &&
        /exporters\.pm2\.user: name the user/.test(e.issues.map(formatIssue).join()),
    );
  });
});

describe("pm2 component with several users", () => {
  const problems = (yaml: string) => {
    try {
      parseStackConfig(yaml, "stackmon.yml", {});
      return [];
    } catch (error) {
      return error instanceof ConfigError ? error.issues.map(formatIssue) : [];
    }
  };
  const render = (yaml: string) => renderStack(parseStackConfig(yaml, "stackmon.yml", {}), HOST_TARGET);
  const state = render(
    "global: {hostname: app1}\nexporters:\n  pm2:\n    enabled: true\n    users:\n      - user: deploy\n      - user: api\n        pm2_home: /srv/api/.pm2\n",
  );

  it("runs one exporter per user, as that user, on consecutive ports", () => {
    const services = state.services.filter((s) => s.id.startsWith("pm2"));
    assert.deepEqual(
      services.map((s) => [s.id, s.unit, s.user, s.listen?.port]),
      [
        ["pm2@api", "stackmon-pm2-exporter-api.service", "api", 9210],
        ["pm2@deploy", "stackmon-pm2-exporter-deploy.service", "deploy", 9209],
      ].sort(),
    );
    const api = services.find((s) => s.user === "api");
    assert.ok(api?.args.includes("--pm2.home=/srv/api/.pm2"));
    assert.match(
      maskedText(
        state.files.find((f) => f.path.endsWith("stackmon-pm2-exporter-api.service"))?.content ?? "",
      ),
      /^BindReadOnlyPaths=\/srv\/api\/\.pm2$/m,
    );
  });

  it("labels each target with its PM2 user, so that same-named apps stay apart", () => {
    const job = state.scrapeJobs.find((j) => j.jobName === "pm2");
    assert.deepEqual(job?.staticConfigs, [
      { targets: ["127.0.0.1:9209"], labels: { instance: "app1", pm2_user: "deploy" } },
      { targets: ["127.0.0.1:9210"], labels: { instance: "app1", pm2_user: "api" } },
    ]);
  });

  it("hands each exposed exporter its own copy of the TLS key, and its own web config", () => {
    const exposed = render(
      "exporters:\n  pm2:\n    enabled: true\n    listen_address: 0.0.0.0:9209\n    web:\n      tls: {cert_file: /etc/tls/pm2.crt, key_file: /etc/tls/pm2.key}\n      basic_auth: {username: prometheus, password_file: /etc/stackmon/pm2.password}\n    users: [{user: deploy}, {user: api}]\n",
    );
    const unit = maskedText(
      exposed.files.find((f) => f.path.endsWith("stackmon-pm2-exporter-api.service"))?.content ?? "",
    );
    assert.match(unit, /^LoadCredential=web-tls\.key:\/etc\/tls\/pm2\.key$/m);
    const webConfig = exposed.files.find((f) => f.path === "/etc/stackmon/pm2-exporter/api/web-config.yml");
    assert.equal(webConfig?.group, "api");
    assert.deepEqual(webConfig?.consumers, [{ service: "pm2@api", onChange: "restart" }]);
    assert.match(
      maskedText(webConfig?.content ?? ""),
      /key_file: \/run\/credentials\/stackmon-pm2-exporter-api\.service\/web-tls\.key/,
    );
  });

  it("keeps the single user's names when the list has one entry", () => {
    const one = render("exporters:\n  pm2:\n    enabled: true\n    users: [{user: deploy}]\n");
    assert.deepEqual(
      one.services.filter((s) => s.id.startsWith("pm2")).map((s) => [s.id, s.unit]),
      [["pm2", "stackmon-pm2-exporter.service"]],
    );
  });

  it("rejects a user listed twice, and user with users, at their positions", () => {
    assert.match(
      problems("exporters:\n  pm2:\n    enabled: true\n    users: [{user: api}, {user: api}]\n").join("\n"),
      /stackmon\.yml:4:\d+: exporters\.pm2\.users\[1\]\.user: api is listed twice/,
    );
    assert.match(
      problems("exporters:\n  pm2:\n    enabled: true\n    user: deploy\n    users: [{user: api}]\n").join(
        "\n",
      ),
      /exporters\.pm2\.users: give either user \(and pm2_home\) or users, not both/,
    );
    assert.match(
      problems(
        "exporters:\n  pm2:\n    enabled: true\n    users:\n      - {user: a, pm2_home: /srv/pm2}\n      - {user: b, pm2_home: /srv/pm2}\n",
      ).join("\n"),
      /^stackmon\.yml:6:29: exporters\.pm2\.users\[1\]\.pm2_home: \/srv\/pm2 is already the PM2_HOME of a$/m,
    );
  });

  it("refuses a PM2_HOME with a space, which would split in BindReadOnlyPaths=", () => {
    assert.deepEqual(
      problems(
        'exporters:\n  pm2:\n    enabled: true\n    users:\n      - {user: a, pm2_home: "/srv/my pm2"}\n',
      ),
      [
        "stackmon.yml:5:29: exporters.pm2.users[0].pm2_home: must not contain spaces (systemd's path lists split on them)",
      ],
    );
  });

  it("names the user whose derived port collides, at that user's entry", () => {
    // b's exporter takes the port after 9099: node exporter's 9100.
    assert.deepEqual(
      problems(
        "exporters:\n  pm2:\n    enabled: true\n    listen_address: 127.0.0.1:9099\n    users:\n      - {user: a}\n      - {user: b}\n",
      ),
      ["stackmon.yml:7:9: exporters.pm2.users[1]: port 9100 (127.0.0.1:9100) is already used by node"],
    );
  });
});

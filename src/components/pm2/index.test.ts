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

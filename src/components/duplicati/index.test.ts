import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, formatIssue } from "../../config/configError.js";
import { maskedText } from "../../render/fileContent.js";
import { HOST_TARGET, parseStackConfig, renderStack } from "../../stack.js";

const CONFIG = `
global: {hostname: nas}
exporters:
  duplicati:
    enabled: true
    token_file: /etc/stackmon/secrets/duplicati.token
    backups:
      - {name: nightly-home, max_age: 26h}
`;

describe("duplicati component", () => {
  const state = renderStack(parseStackConfig(CONFIG, "stackmon.yml", {}), HOST_TARGET);

  it("scrapes the exporter every 5 minutes by default", () => {
    const job = state.scrapeJobs.find((j) => j.jobName === "duplicati");
    assert.equal(job?.scrapeInterval, "5m");
    assert.deepEqual(job?.staticConfigs[0]?.targets, ["127.0.0.1:9618"]);
  });

  it("runs the exporter as its own user with its token in a 0640 file, never in argv", () => {
    const service = state.services.find((s) => s.id === "duplicati");
    assert.equal(service?.user, "duplicati-exporter");
    assert.ok(service?.args.includes("--token-file=/etc/stackmon/duplicati-exporter/token"));
    const token = state.files.find((f) => f.path === "/etc/stackmon/duplicati-exporter/token");
    assert.equal(token?.mode, 0o640);
    assert.equal(
      maskedText(token?.content ?? ""),
      "<secret: exporters.duplicati.token_file (/etc/stackmon/secrets/duplicati.token)>",
    );
    assert.equal(service?.hardening.memoryDenyWriteExecute, false, "Node's JIT");
  });

  it("caps the exporter's memory and tasks, more memory when it may track more backups", () => {
    const unit = state.files.find(
      (f) => f.path === "/etc/systemd/system/stackmon-duplicati-exporter.service",
    );
    const text = typeof unit?.content === "string" ? unit.content : "";
    assert.match(text, /^MemoryMax=256M$/m);
    assert.match(text, /^TasksMax=32$/m);
    assert.ok(
      !state.services.find((s) => s.id === "duplicati")?.args.some((a) => a.startsWith("--backups.max")),
    );
    const more = renderStack(
      parseStackConfig(
        CONFIG.replace("enabled: true", "enabled: true\n    max_backups: 5000"),
        "stackmon.yml",
        {},
      ),
      HOST_TARGET,
    );
    assert.ok(more.services.find((s) => s.id === "duplicati")?.args.includes("--backups.max=5000"));
    const moreUnit = more.files.find(
      (f) => f.path === "/etc/systemd/system/stackmon-duplicati-exporter.service",
    );
    assert.match(typeof moreUnit?.content === "string" ? moreUnit.content : "", /^MemoryMax=512M$/m);
  });

  it("hands the backups' maximum ages to the exporter", () => {
    const config = state.files.find((f) => f.path === "/etc/stackmon/duplicati-exporter/config.yml");
    assert.match(maskedText(config?.content ?? ""), /- name: nightly-home\n\s+max_age: 26h/);
  });

  it("requires a token when enabled, and rejects a backup listed twice", () => {
    try {
      parseStackConfig(
        "exporters:\n  duplicati:\n    enabled: true\n    backups:\n      - {name: a, max_age: 1d}\n      - {name: a, max_age: 2d}\n",
        "stackmon.yml",
        {},
      );
      assert.fail("expected errors");
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      const lines = error.issues.map(formatIssue).join("\n");
      assert.match(lines, /exporters\.duplicati\.token_file: set exactly one of token_file and token_env/);
      assert.match(
        lines,
        /stackmon\.yml:6:16: exporters\.duplicati\.backups\[1\]\.name: backup "a" is listed twice/,
      );
    }
  });
});

describe("duplicati component polling a server", () => {
  it("hands the exporter the server URL and a 0640 copy of its password", () => {
    const state = renderStack(
      parseStackConfig(
        `${CONFIG}    server: {url: "http://127.0.0.1:8200", password_env: DUPLICATI_PASSWORD, interval: 10m}\n`,
        "stackmon.yml",
        {},
      ),
      HOST_TARGET,
    );
    const config = maskedText(state.files.find((f) => f.path.endsWith("/config.yml"))?.content ?? "");
    assert.match(config, /url: http:\/\/127\.0\.0\.1:8200/);
    assert.match(config, /password_file: \/etc\/stackmon\/duplicati-exporter\/server\.password/);
    assert.match(config, /interval: 10m/);
    const password = state.files.find((f) => f.path.endsWith("/server.password"));
    assert.equal(password?.mode, 0o640);
    assert.equal(
      maskedText(password?.content ?? ""),
      "<secret: exporters.duplicati.server.password_env ($DUPLICATI_PASSWORD)>",
    );
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configProblems as problems } from "../../test/helpers/configProblems.js";
import { initConfigText } from "../loadStack.js";
import { parse } from "yaml";
import { components } from "../components/registry.js";
import { parseStackConfig } from "../stack.js";

describe("loading stackmon.yml", () => {
  it("accepts an empty file and fills every default", () => {
    const config = parseStackConfig("", "stackmon.yml", {});
    assert.equal(config.global.scrape_interval, "15s");
    const prometheus = config.document["prometheus"] as { retention: string; listen_address: string };
    assert.equal(prometheus.retention, "15d");
    assert.equal(prometheus.listen_address, "127.0.0.1:9090");
  });

  it("accepts the commented example that init writes", () => {
    assert.doesNotThrow(() => parseStackConfig(initConfigText(), "stackmon.yml", {}));
  });

  it("writes with init every component, switched on or off as by default", () => {
    const document = parse(initConfigText()) as Record<string, unknown>;
    for (const component of components) {
      const section = component.configPath.reduce<unknown>(
        (node, key) => (node as Record<string, unknown> | undefined)?.[key],
        document,
      );
      assert.deepEqual(
        section,
        { enabled: component.schema.parse(undefined).enabled },
        `${component.configPath.join(".")} in init's example`,
      );
    }
  });

  it("names file:line:col and the key of a bad URL", () => {
    const text = "exporters:\n  blackbox:\n    targets:\n      - url: ftp://example.com\n";
    assert.deepEqual(problems(text), [
      "stackmon.yml:4:14: exporters.blackbox.targets[0].url: must be an http(s) URL",
    ]);
  });

  it("rejects unknown keys at the key itself, with a hint", () => {
    const [problem] = problems("global:\n  scrape_intervall: 30s\n");
    assert.match(problem ?? "", /^stackmon\.yml:2:3: global\.scrape_intervall: unknown key/);
  });

  it("reports every problem at once, in file order", () => {
    const text = "prometheus:\n  retention: soon\nexporters:\n  node:\n    listen_address: nowhere\n";
    const found = problems(text);
    assert.equal(found.length, 2);
    assert.match(found[0] ?? "", /^stackmon\.yml:2:14: prometheus\.retention: must be a Prometheus duration/);
    assert.match(found[1] ?? "", /^stackmon\.yml:5:21: exporters\.node\.listen_address: must be "host:port"/);
  });

  it("refuses an inline secret and points to the _file/_env form", () => {
    const found = problems("exporters:\n  mysql:\n    enabled: true\n    password: hunter2\n");
    assert.match(
      found.join("\n"),
      /stackmon\.yml:4:5: exporters\.mysql\.password: unknown key \(secrets are never written inline: use password_file/,
    );
  });

  it("reports wrong types with their position", () => {
    const [problem] = problems("exporters:\n  node:\n    enabled: yes please\n");
    assert.match(problem ?? "", /^stackmon\.yml:3:14: exporters\.node\.enabled: /);
  });

  it("reports malformed YAML with its position", () => {
    const [problem] = problems("global:\n  scrape_interval: [15s\n");
    assert.match(problem ?? "", /^stackmon\.yml:\d+:\d+: /);
  });

  it("rejects duplicate keys", () => {
    const [problem] = problems("global:\n  scrape_interval: 15s\n  scrape_interval: 30s\n");
    assert.match(problem ?? "", /^stackmon\.yml:3:3: .*[Mm]ap keys must be unique/);
  });

  it("rejects two components on one port, at the second one's address", () => {
    const [problem] = problems("exporters:\n  node:\n    listen_address: 127.0.0.1:9090\n");
    assert.match(
      problem ?? "",
      /^stackmon\.yml:3:21: exporters\.node\.listen_address: port 9090 .* already used by prometheus/,
    );
  });

  it("requires TLS and basic auth for an endpoint exposed beyond loopback", () => {
    const [problem] = problems("exporters:\n  node:\n    listen_address: 0.0.0.0:9100\n");
    assert.match(
      problem ?? "",
      /exporters\.node\.listen_address: listens on 0\.0\.0\.0, beyond this host, so it needs web\.tls and web\.basic_auth/,
    );
  });

  it("interpolates ${VAR} from the environment, and $$ as a literal dollar", () => {
    const text = "global:\n  external_labels:\n    env: ${STAGE}\n    cost: $$5\n";
    const config = parseStackConfig(text, "stackmon.yml", { STAGE: "prod" });
    assert.deepEqual(config.global.external_labels, { cost: "$5", env: "prod" });
  });

  it("reports an unset variable with its position and key", () => {
    const [problem] = problems("global:\n  external_labels:\n    env: ${STAGE}\n");
    assert.match(
      problem ?? "",
      /^stackmon\.yml:3:10: global\.external_labels\.env: environment variable STAGE is not set/,
    );
  });

  it("requires the mysql exporter's password by reference when enabled", () => {
    const [problem] = problems("exporters:\n  mysql:\n    enabled: true\n");
    assert.match(
      problem ?? "",
      /exporters\.mysql\.password_file: set exactly one of password_file and password_env/,
    );
  });
});

describe("scrape jobs", () => {
  it("takes extra jobs with their own interval", () => {
    const text =
      'prometheus:\n  scrape_jobs:\n    - name: app\n      targets: ["127.0.0.1:8080"]\n      scrape_interval: 1m\n';
    assert.doesNotThrow(() => parseStackConfig(text, "stackmon.yml", {}));
  });

  it("rejects a job name used twice, at the second one", () => {
    const text =
      'prometheus:\n  scrape_jobs:\n    - name: app\n      targets: ["127.0.0.1:8080"]\n    - name: app\n      targets: ["127.0.0.1:8081"]\n';
    assert.deepEqual(problems(text), [
      'stackmon.yml:5:13: prometheus.scrape_jobs[1].name: job "app" is defined twice',
    ]);
  });

  it("rejects a job name that a component already uses", () => {
    const text = 'prometheus:\n  scrape_jobs:\n    - name: node\n      targets: ["127.0.0.1:8080"]\n';
    assert.match(problems(text)[0] ?? "", /scrape job name "node" is already used by/);
  });
});

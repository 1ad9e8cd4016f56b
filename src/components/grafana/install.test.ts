// Grafana on a host, through plan and apply with the FakeHost: its vendor repository, the package,
// the drop-in, the generated admin password, and provisioning reloaded over Grafana's API.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { freePort } from "../../../test/helpers/ports.js";
import { apply, type ApplyOptions } from "../../apply/apply.js";
import { fakeApplyOptions } from "../../apply/testing.js";
import { UserError } from "../../config/configError.js";
import { readSecret as readSecretFromDisk } from "../../lib/secrets.js";
import { FakeHost, type FakeHostOptions } from "../../host/fakeHost.js";
import type { CommandResult } from "../../host/host.js";
import { NOTHING_APPLIED } from "../../plan/appliedState.js";
import { formatPlan } from "../../plan/formatPlan.js";
import { hostStack } from "../../plan/hostStack.js";
import { planChanges } from "../../plan/plan.js";
import type { SecretRef } from "../../render/desiredState.js";
import { parseStackConfig, stackRenderer } from "../../stack.js";
import { grafanaRepository } from "./grafanaPackage.js";

const GRAFANA_UNIT = "/lib/systemd/system/grafana-server.service";
const ADMIN_PASSWORD = "/etc/stackmon/grafana/admin.password";

/** A Debian host whose repositories (once Grafana's is added) offer the whole stack. */
function debianHost(extra: Partial<FakeHostOptions> = {}): FakeHost {
  // Shell steps act on the fake filesystem the way the real commands would.
  const commands = (program: string, args: readonly string[]): CommandResult | undefined => {
    if (program === "test" && args[0] === "-s")
      return { status: host.text(args[1] ?? "") ? 0 : 1, stdout: "", stderr: "" };
    if (program === "sh" && args[3] === ADMIN_PASSWORD) {
      host.writeFileNow(ADMIN_PASSWORD, "generated-on-the-host", {
        mode: 0o640,
        owner: "root",
        group: "grafana",
      });
      return { status: 0, stdout: "", stderr: "" };
    }
    return undefined;
  };
  const host: FakeHost = new FakeHost({
    listsFetched: false,
    available: {
      prometheus: "2.42.0+ds-5+b5",
      "prometheus-alertmanager": "0.25.0-6+b5",
      "prometheus-node-exporter": "1.5.0-1+b6",
      "prometheus-blackbox-exporter": "0.23.0-1+b5",
      grafana: "12.3.0",
    },
    packagePrograms: {
      prometheus: ["/usr/bin/prometheus", "/usr/bin/promtool"],
      "prometheus-alertmanager": ["/usr/bin/prometheus-alertmanager", "/usr/bin/amtool"],
      "prometheus-node-exporter": ["/usr/bin/prometheus-node-exporter"],
      "prometheus-blackbox-exporter": ["/usr/bin/prometheus-blackbox-exporter"],
      // The package ships its unit; stackmon only adds a drop-in.
      grafana: ["/usr/sbin/grafana", GRAFANA_UNIT],
    },
    commands,
    ...extra,
  });
  return host;
}

const readSecret = (_: SecretRef) => "s3cret";

const options = (host: FakeHost, configText: string): ApplyOptions => fakeApplyOptions(host, configText);

async function planOn(host: FakeHost, configText: string) {
  const config = parseStackConfig(configText, "stackmon.yml", {});
  const stack = await hostStack(stackRenderer(config), host, {
    listsFetched: false,
    stackmonProgram: () => undefined,
  });
  return (
    await planChanges({
      desired: stack.desired,
      sources: stack.sources,
      host,
      readSecret,
      applied: NOTHING_APPLIED,
    })
  ).plan;
}

describe("grafana install: the vendor repository", () => {
  it("is an apt source signed by Grafana's key in /etc/apt/keyrings", () => {
    assert.deepEqual(grafanaRepository.apt, {
      keyUrl: "https://apt.grafana.com/gpg-full.key",
      keyPath: "/etc/apt/keyrings/grafana.asc",
      listPath: "/etc/apt/sources.list.d/grafana.list",
      sourceLine: "deb [signed-by=/etc/apt/keyrings/grafana.asc] https://apt.grafana.com stable main",
    });
  });

  it("is an rpm repository that checks package and metadata signatures", () => {
    const lines = grafanaRepository.dnf?.repoFile.split("\n") ?? [];
    assert.equal(grafanaRepository.dnf?.repoPath, "/etc/yum.repos.d/grafana.repo");
    for (const line of [
      "[grafana]",
      "baseurl=https://rpm.grafana.com",
      "gpgcheck=1",
      "repo_gpgcheck=1",
      "gpgkey=https://rpm.grafana.com/gpg.key",
      "sslverify=1",
    ])
      assert.ok(lines.includes(line), line);
  });

  it("plan adds it before the package, on apt and on dnf hosts", async () => {
    const plan = await planOn(debianHost(), "");
    assert.deepEqual(
      plan.changes.filter((c) => c.type === "repository"),
      [
        {
          type: "repository",
          action: "create",
          subject: "/etc/apt/sources.list.d/grafana.list",
          binaries: ["grafana"],
        },
      ],
    );
    assert.match(
      formatPlan(plan),
      /Package repositories:\n {2}\+ \/etc\/apt\/sources\.list\.d\/grafana\.list \(for grafana\)/,
    );
    assert.ok(plan.changes.some((c) => c.type === "package" && c.subject === "grafana"));
    const dnf = await planOn(debianHost({ manager: "dnf" }), "");
    assert.deepEqual(
      dnf.changes.filter((c) => c.type === "repository").map((c) => c.subject),
      ["/etc/yum.repos.d/grafana.repo"],
    );
  });

  it("plan leaves it alone once it is there, and turning Grafana off drops it", async () => {
    const host = debianHost();
    host.repositories.add("/etc/apt/sources.list.d/grafana.list");
    assert.equal(
      (await planOn(host, "")).changes.some((c) => c.type === "repository"),
      false,
    );
    const off = await planOn(debianHost(), "grafana: {enabled: false}\n");
    assert.equal(
      off.changes.some((c) => c.type === "repository" || c.subject === "grafana"),
      false,
    );
  });
});

describe("grafana install: apply", () => {
  it("adds the repository, installs, writes the drop-in, makes the admin password, then starts it", async () => {
    const host = debianHost();
    const result = await apply(options(host, ""));
    assert.deepEqual(result.failures, []);
    const at = (event: string) => {
      const index = host.events.findIndex((e) => e.startsWith(event));
      assert.notEqual(index, -1, `${event} happened`);
      return index;
    };
    assert.ok(at("repository /etc/apt/sources.list.d/grafana.list") < at("packages refresh"));
    assert.ok(at("packages refresh") < at("packages install"));
    assert.ok(
      host.events
        .find((e) => e.startsWith("packages install"))
        ?.split(" ")
        .includes("grafana"),
    );
    assert.ok(at("write /etc/systemd/system/grafana-server.service.d/stackmon.conf") < at("daemon-reload"));
    assert.ok(
      at(`run sh -c`) < at("start grafana-server.service"),
      "the password exists before Grafana starts",
    );
    assert.equal(host.text(ADMIN_PASSWORD), "generated-on-the-host");
    assert.equal(
      host.text("/etc/systemd/system/grafana-server.service"),
      undefined,
      "the package's unit stays",
    );
    assert.deepEqual(
      [host.unit("grafana-server.service").active, host.unit("grafana-server.service").enabled],
      [true, true],
    );
  });

  it("a second apply changes nothing and does not make a new password", async () => {
    const host = debianHost();
    await apply(options(host, ""));
    host.events.length = 0;
    const result = await apply(options(host, ""));
    assert.deepEqual(result.plan.changes, []);
    assert.equal(
      host.events.some((e) => e.startsWith("run sh ")),
      false,
    );
  });

  it("a configured admin password file that is missing stops apply, naming the key and the file", async () => {
    const host = debianHost();
    const config = "grafana:\n  admin_password_file: /nonexistent/grafana-admin.password\n";
    await assert.rejects(
      apply({ ...options(host, config), readSecret: (ref) => readSecretFromDisk(ref, {}) }),
      (error: unknown) =>
        error instanceof UserError &&
        error.message ===
          "grafana.admin_password_file: cannot read secret file /nonexistent/grafana-admin.password (ENOENT)",
    );
    assert.equal(
      host.events.some((e) => e.startsWith("write /etc/")),
      false,
      "nothing was written",
    );
  });

  it("a changed drop-in is a unit change: systemd re-reads it and Grafana restarts", async () => {
    const host = debianHost();
    await apply(options(host, ""));
    host.writeFileNow("/etc/systemd/system/grafana-server.service.d/stackmon.conf", "[Service]\n");
    const plan = await planOn(host, "");
    assert.deepEqual(
      plan.changes.filter((c) => c.subject.includes("grafana-server")).map((c) => [c.type, c.action]),
      [["unit", "update"]],
    );
    assert.equal(plan.daemonReload, true);
    assert.deepEqual(
      plan.services.filter((a) => a.unit === "grafana-server.service").map((a) => a.run),
      ["restart"],
    );
  });
});

describe("grafana install: provisioning reloaded over Grafana's API", () => {
  let api: Server;
  let port: number;
  let answer = 200;
  const requests: { method: string; path: string; authorization: string }[] = [];

  before(async () => {
    port = await freePort();
    api = createServer((request: IncomingMessage, response) => {
      requests.push({
        method: request.method ?? "",
        path: request.url ?? "",
        authorization: request.headers.authorization ?? "",
      });
      response.statusCode = answer;
      response.end(
        answer === 200 ? '{"message":"Datasources config reloaded"}' : '{"message":"Unauthorized"}',
      );
    });
    await new Promise<void>((resolve) => api.listen(port, "127.0.0.1", resolve));
  });
  after(() => new Promise<void>((resolve) => api.close(() => resolve())));

  const config = (interval: string) =>
    `global: {scrape_interval: ${interval}}\ngrafana:\n  listen_address: 127.0.0.1:${port}\n  admin_password_file: /etc/stackmon/secrets/grafana-admin.password\n`;

  it("a datasource change is a reload: both provisioning reloads, as the admin, and no restart", async () => {
    const host = debianHost();
    await apply(options(host, config("15s")));
    const startedAt = host.unit("grafana-server.service").startedAt;
    host.events.length = 0;
    requests.length = 0;
    answer = 200;
    const result = await apply(options(host, config("30s")));
    assert.deepEqual(
      result.plan.services.filter((s) => s.unit === "grafana-server.service").map((s) => s.run),
      ["reload"],
    );
    assert.deepEqual(requests, [
      {
        method: "POST",
        path: "/api/admin/provisioning/datasources/reload",
        authorization: `Basic ${Buffer.from("admin:s3cret").toString("base64")}`,
      },
      {
        method: "POST",
        path: "/api/admin/provisioning/dashboards/reload",
        authorization: `Basic ${Buffer.from("admin:s3cret").toString("base64")}`,
      },
    ]);
    assert.equal(host.unit("grafana-server.service").startedAt, startedAt, "Grafana kept running");
    assert.equal(
      host.events.some((e) => e.endsWith(" grafana-server.service") && !e.startsWith("run")),
      false,
    );
  });

  it("a reload the API refuses (the admin password changed in Grafana) becomes a restart", async () => {
    const host = debianHost();
    await apply(options(host, config("15s")));
    const logged: string[] = [];
    answer = 401;
    await apply({ ...options(host, config("45s")), log: (message) => logged.push(message) });
    assert.ok(host.events.includes("restart grafana-server.service"));
    assert.ok(
      logged.some((m) =>
        /grafana-server\.service did not take the reload over its API; restarting it instead/.test(m),
      ),
    );
    answer = 200;
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeHost, type FakeHostOptions } from "../host/fakeHost.js";
import type { SecretRef } from "../render/desiredState.js";
import { parseStackConfig, stackRenderer } from "../stack.js";
import { NOTHING_APPLIED, type AppliedState } from "./appliedState.js";
import { hostStack } from "./hostStack.js";
import { hasChanges, planChanges, type FileChange } from "./plan.js";
import { formatPlan } from "./formatPlan.js";

const DEBIAN_PACKAGES: FakeHostOptions = {
  available: {
    prometheus: "2.42.0+ds-5+b5",
    "prometheus-alertmanager": "0.25.0-6+b5",
    "prometheus-node-exporter": "1.5.0-1+b6",
    "prometheus-blackbox-exporter": "0.23.0-1+b5",
    "prometheus-mysqld-exporter": "0.14.0-3+b5",
  },
  packagePrograms: {
    prometheus: ["/usr/bin/prometheus", "/usr/bin/promtool"],
    "prometheus-alertmanager": ["/usr/bin/prometheus-alertmanager", "/usr/bin/amtool"],
    "prometheus-node-exporter": ["/usr/bin/prometheus-node-exporter"],
    "prometheus-blackbox-exporter": ["/usr/bin/prometheus-blackbox-exporter"],
    "prometheus-mysqld-exporter": ["/usr/bin/prometheus-mysqld-exporter"],
  },
};

const SECRET = "correct-horse-battery-staple";
const readSecret = (_: SecretRef) => SECRET;

/** Grafana comes from its vendor's repository; its plan steps are tested with the grafana component. */
const DEBIAN_ONLY = "grafana: {enabled: false}\n";

async function planFor(text: string, host: FakeHost, applied: AppliedState = NOTHING_APPLIED) {
  const config = parseStackConfig(`${DEBIAN_ONLY}${text}`, "stackmon.yml", {});
  const stack = await hostStack(stackRenderer(config), host, {
    listsFetched: false,
    stackmonProgram: () => undefined,
  });
  return planChanges({ desired: stack.desired, sources: stack.sources, host, readSecret, applied });
}

describe("plan", () => {
  it("a fresh host gets packages, users, directories, files, units, and every service started", async () => {
    const host = new FakeHost({ ...DEBIAN_PACKAGES, listsFetched: false });
    const { plan } = await planFor("", host);
    assert.ok(hasChanges(plan));
    const subjects = (type: string) => plan.changes.filter((c) => c.type === type).map((c) => c.subject);
    assert.deepEqual(subjects("package"), [
      "prometheus",
      "prometheus-alertmanager",
      "prometheus-blackbox-exporter",
      "prometheus-node-exporter",
    ]);
    assert.deepEqual(subjects("user"), ["alertmanager", "blackbox-exporter", "node-exporter", "prometheus"]);
    assert.ok(subjects("file").includes("/etc/prometheus/prometheus.yml"));
    assert.ok(subjects("unit").includes("/etc/systemd/system/prometheus.service"));
    assert.ok(plan.daemonReload);
    assert.deepEqual(
      plan.services.map((s) => [s.unit, s.run, s.enable]),
      [
        ["prometheus-alertmanager.service", "start", true],
        ["prometheus-blackbox-exporter.service", "start", true],
        ["prometheus-node-exporter.service", "start", true],
        ["prometheus.service", "start", true],
      ],
    );
  });

  it("lists changes in a stable order: by kind, then by path", async () => {
    const host = new FakeHost({ ...DEBIAN_PACKAGES, listsFetched: false });
    const { plan } = await planFor("", host);
    const order = ["repository", "package", "release", "user", "directory", "file", "unit", "provision"];
    const keys = plan.changes.map((c) => `${order.indexOf(c.type)}:${c.subject}`);
    assert.deepEqual(
      keys,
      [...keys].sort((a, b) => Number(a.split(":")[0]) - Number(b.split(":")[0]) || a.localeCompare(b)),
    );
  });

  it("never shows a secret: diffs and the JSON plan carry markers instead", async () => {
    const host = new FakeHost(DEBIAN_PACKAGES);
    const text = `exporters:
  mysql: {enabled: true, password_file: /etc/stackmon/secrets/mysql.password}
  node:
    web:
      basic_auth: {username: prometheus, password_file: /etc/stackmon/secrets/node.password}
`;
    const { plan, contents } = await planFor(text, host);
    const json = JSON.stringify(plan);
    assert.ok(!json.includes(SECRET));
    assert.ok(!formatPlan(plan).includes(SECRET));
    const cnf = plan.changes.find((c) => c.subject === "/etc/stackmon/mysqld-exporter/my.cnf") as FileChange;
    assert.match(cnf.diff, /password=<secret: exporters\.mysql\.password_file/);
    assert.ok(
      contents.get("/etc/stackmon/mysqld-exporter/my.cnf")?.includes(SECRET),
      "apply gets the real text",
    );
  });

  it("a changed secret is named in the plan, its old and new values are not", async () => {
    const host = new FakeHost(DEBIAN_PACKAGES);
    const text =
      "exporters:\n  mysql: {enabled: true, password_file: /etc/stackmon/secrets/mysql.password}\n";
    const first = await planFor(text, host);
    const path = "/etc/stackmon/mysqld-exporter/my.cnf";
    host.writeFileNow(path, (first.contents.get(path) ?? "").replace(SECRET, "old-password"), {
      mode: 0o640,
      owner: "root",
      group: "mysqld-exporter",
    });
    const { plan } = await planFor(text, host);
    const change = plan.changes.find((c) => c.subject === path) as FileChange;
    assert.equal(change.action, "update");
    assert.deepEqual(change.secretsChanged, [
      "exporters.mysql.password_file (/etc/stackmon/secrets/mysql.password)",
    ]);
    assert.ok(!JSON.stringify(plan).includes("old-password"));
    assert.deepEqual(
      plan.services
        .filter((s) => s.run !== "none" && s.unit === "prometheus-mysqld-exporter.service")
        .map((s) => s.run),
      ["start"],
    );
  });

  it("a package older than the minimum falls back to the release tarball", async () => {
    const host = new FakeHost({
      ...DEBIAN_PACKAGES,
      available: { ...DEBIAN_PACKAGES.available, "prometheus-node-exporter": "1.3.1-1" },
    });
    const { plan } = await planFor("", host);
    const release = plan.changes.find((c) => c.type === "release");
    assert.deepEqual(release && { subject: release.subject, type: release.type }, {
      subject: "/usr/local/bin/node_exporter",
      type: "release",
    });
    assert.match(formatPlan(plan), /apt offers prometheus-node-exporter 1\.3\.1-1, older than 1\.5\.0/);
    const unit = plan.changes.find(
      (c) => c.subject === "/etc/systemd/system/prometheus-node-exporter.service",
    ) as FileChange;
    assert.match(
      unit.diff,
      /ExecStart=\/usr\/local\/bin\/node_exporter/,
      "the unit runs the tarball's binary",
    );
  });

  it("a component switched off has its files removed and its service stopped", async () => {
    const host = new FakeHost(DEBIAN_PACKAGES);
    const applied: AppliedState = {
      files: [
        "/etc/stackmon/mysqld-exporter/my.cnf",
        "/etc/systemd/system/prometheus-mysqld-exporter.service",
      ],
      services: [{ id: "mysql", unit: "prometheus-mysqld-exporter.service" }],
      pending: [],
      daemonReloadPending: false,
    };
    for (const path of applied.files) host.writeFileNow(path, "old\n");
    const unit = host.unit("prometheus-mysqld-exporter.service");
    unit.active = true;
    unit.enabled = true;
    const { plan } = await planFor("", host, applied);
    const removed = plan.changes.filter((c) => c.action === "delete").map((c) => `${c.type} ${c.subject}`);
    assert.deepEqual(removed, [
      "file /etc/stackmon/mysqld-exporter/my.cnf",
      "unit /etc/systemd/system/prometheus-mysqld-exporter.service",
    ]);
    const stop = plan.services.find((s) => s.unit === "prometheus-mysqld-exporter.service");
    assert.deepEqual(stop && [stop.run, stop.enable], ["stop", false]);
  });

  it("a user the stack must not create, missing, is an error that names it", async () => {
    const host = new FakeHost(DEBIAN_PACKAGES);
    const config = parseStackConfig("", "stackmon.yml", {});
    const stack = await hostStack(stackRenderer(config), host, { listsFetched: true });
    const desired = {
      ...stack.desired,
      users: [
        ...stack.desired.users,
        { name: "deploy", group: "deploy", supplementaryGroups: [], create: false },
      ],
    };
    await assert.rejects(
      planChanges({ desired, sources: stack.sources, host, readSecret, applied: NOTHING_APPLIED }),
      /user deploy does not exist/,
    );
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeHost, type FakeHostOptions } from "../host/fakeHost.js";
import { hasChanges } from "../plan/plan.js";
import { readAppliedState } from "../plan/appliedState.js";
import { apply, describeFailures, type ApplyOptions } from "./apply.js";
import { fakeApplyOptions } from "./testing.js";

const DEBIAN: FakeHostOptions = {
  listsFetched: false,
  available: {
    prometheus: "2.42.0+ds-5+b5",
    "prometheus-alertmanager": "0.25.0-6+b5",
    "prometheus-node-exporter": "1.5.0-1+b6",
    "prometheus-blackbox-exporter": "0.23.0-1+b5",
  },
  packagePrograms: {
    prometheus: ["/usr/bin/prometheus", "/usr/bin/promtool"],
    "prometheus-alertmanager": ["/usr/bin/prometheus-alertmanager", "/usr/bin/amtool"],
    "prometheus-node-exporter": ["/usr/bin/prometheus-node-exporter"],
    "prometheus-blackbox-exporter": ["/usr/bin/prometheus-blackbox-exporter"],
  },
};

/** Grafana comes from its vendor's repository; its install is tested with the grafana component. */
const DEBIAN_ONLY = "grafana: {enabled: false}\n";

const options = (host: FakeHost, configText: string, extra: Partial<ApplyOptions> = {}): ApplyOptions =>
  fakeApplyOptions(host, `${DEBIAN_ONLY}${configText}`, extra);

const SITE_A = "exporters:\n  blackbox:\n    targets: [{url: 'https://a.example.com'}]\n";
const SITE_B = "exporters:\n  blackbox:\n    targets: [{url: 'https://b.example.com'}]\n";

/** A host that has had a first apply of `config`, with its events cleared. */
async function appliedHost(config: string, hostOptions: FakeHostOptions = DEBIAN): Promise<FakeHost> {
  const host = new FakeHost(hostOptions);
  const result = await apply(options(host, config));
  assert.deepEqual(result.failures, []);
  host.events.length = 0;
  return host;
}

const serviceEvents = (host: FakeHost) =>
  host.events.filter((e) => /^(start|restart|reload|stop|enable|disable) /.test(e));

describe("apply", () => {
  it("turns a fresh host into the stack: lists, packages, users, then files, then services", async () => {
    const host = new FakeHost(DEBIAN);
    const result = await apply(options(host, ""));
    assert.deepEqual(result.failures, []);
    const at = (event: string) => host.events.findIndex((e) => e.startsWith(event));
    assert.ok(at("packages refresh") < at("packages install"), "lists are fetched before installing");
    assert.ok(at("packages install") < at("useradd prometheus"));
    assert.ok(at("run /usr/bin/promtool check config") < at("write /etc/prometheus/prometheus.yml"));
    assert.ok(at("write /etc/systemd/system/prometheus.service") < at("daemon-reload"));
    assert.ok(at("daemon-reload") < at("start prometheus.service"));
    assert.equal(host.text("/etc/prometheus/prometheus.yml")?.includes("job_name: node"), true);
    for (const unit of ["prometheus.service", "prometheus-node-exporter.service"]) {
      assert.deepEqual([host.unit(unit).active, host.unit(unit).enabled], [true, true], unit);
    }
  });

  it("a second apply changes nothing and restarts nothing", async () => {
    const host = await appliedHost(SITE_A);
    const started = [...host.units].map(([unit, u]) => [unit, u.startedAt]);
    const result = await apply(options(host, SITE_A));
    assert.equal(hasChanges(result.plan), false);
    assert.deepEqual(serviceEvents(host), []);
    assert.deepEqual(
      host.events.filter((e) => e.startsWith("write ") && !e.includes("/var/lib/stackmon/")),
      [],
    );
    assert.deepEqual(
      [...host.units].map(([unit, u]) => [unit, u.startedAt]),
      started,
    );
  });

  it("a changed blackbox target reloads Prometheus and touches nothing else", async () => {
    const host = await appliedHost(SITE_A);
    await apply(options(host, SITE_B));
    assert.deepEqual(serviceEvents(host), ["reload prometheus.service"]);
  });

  it("a changed flag restarts only the service whose unit changed", async () => {
    const host = await appliedHost(SITE_A);
    await apply(options(host, `${SITE_A}prometheus: {retention: 30d}\n`));
    assert.deepEqual(serviceEvents(host), ["restart prometheus.service"]);
    assert.ok(host.events.includes("daemon-reload"));
  });

  it("a candidate the real tool rejects goes nowhere: the live files stay as they were", async () => {
    const host = await appliedHost(SITE_A);
    const live = host.text("/etc/prometheus/prometheus.yml");
    const rejecting = new FakeHost({
      ...DEBIAN,
      commands: (program, args) =>
        program.endsWith("promtool") && args[1] === "config"
          ? {
              status: 1,
              stdout: "",
              stderr: `FAILED: parsing YAML file ${args[2]}: scrape timeout greater than scrape interval`,
            }
          : undefined,
    });
    for (const [path, entry] of host.fs) rejecting.fs.set(path, entry);
    for (const [name, version] of host.installed) rejecting.installed.set(name, version);
    for (const [name, user] of host.userTable) rejecting.userTable.set(name, user);
    await assert.rejects(apply(options(rejecting, SITE_B)), (error: Error) => {
      assert.match(error.message, /\/etc\/prometheus\/prometheus\.yml was rejected by promtool/);
      assert.match(error.message, /scrape timeout greater than scrape interval/);
      assert.ok(!error.message.includes("/var/lib/stackmon/staging"), "the message names the live path");
      return true;
    });
    assert.equal(rejecting.text("/etc/prometheus/prometheus.yml"), live);
    assert.deepEqual(
      rejecting.events.filter((e) => e.startsWith("write ") && !e.includes("/staging/")),
      [],
      "nothing but candidates was written",
    );
  });

  it("a unit systemd refuses counts as not coming back", async () => {
    const host = await appliedHost(SITE_A);
    const services = host.services;
    assert.ok(services);
    services.restart = (unit) => Promise.reject(new Error(`Job for ${unit} failed.`));
    const result = await apply(options(host, `${SITE_A}prometheus: {retention: 30d}\n`));
    assert.deepEqual(
      result.failures.map((f) => [f.unit, f.why]),
      [["prometheus.service", "systemctl restart failed: Job for prometheus.service failed."]],
    );
  });

  it("a service that does not come back gets its previous files back, and apply names it", async () => {
    const host = await appliedHost(SITE_A);
    const previousUnit = host.text("/etc/systemd/system/prometheus-blackbox-exporter.service");
    const failing = new FakeHost({
      ...DEBIAN,
      // The new listen address is taken by some other program.
      failsToStart: (unit, h) =>
        unit === "prometheus-blackbox-exporter.service" &&
        (h.text(`/etc/systemd/system/${unit}`) ?? "").includes("127.0.0.1:19115"),
    });
    for (const [path, entry] of host.fs) failing.fs.set(path, entry);
    for (const [name, version] of host.installed) failing.installed.set(name, version);
    for (const [name, user] of host.userTable) failing.userTable.set(name, user);
    for (const [name, unit] of host.units) failing.units.set(name, { ...unit });
    const result = await apply(
      options(
        failing,
        `exporters:\n  blackbox:\n    listen_address: 127.0.0.1:19115\n    targets: [{url: 'https://a.example.com'}]\n`,
      ),
    );
    assert.deepEqual(
      result.failures.map((f) => [f.unit, f.recovered]),
      [["prometheus-blackbox-exporter.service", true]],
    );
    assert.match(
      describeFailures(result.failures),
      /prometheus-blackbox-exporter\.service did not come back: systemd reports it failed; its previous files were restored/,
    );
    assert.match(describeFailures(result.failures), /its last log lines:\n\s+.*address already in use/);
    assert.equal(failing.text("/etc/systemd/system/prometheus-blackbox-exporter.service"), previousUnit);
    assert.equal(
      failing.unit("prometheus-blackbox-exporter.service").active,
      true,
      "it runs on its previous files",
    );
  });

  it("interrupted after the files went live, a re-run finishes the restarts it left", async () => {
    const host = await appliedHost(SITE_A);
    const config = `${SITE_B}prometheus: {retention: 30d}\n`;
    // Dies right after the files went live, like a SIGKILL before systemd is told.
    const services = host.services;
    assert.ok(services);
    const daemonReload = services.daemonReload.bind(services);
    services.daemonReload = () => Promise.reject(new Error("killed"));
    await assert.rejects(apply(options(host, config)), /killed/);
    services.daemonReload = daemonReload;
    assert.deepEqual(
      (await readAppliedState(host)).pending.map((p) => [p.unit, p.action]),
      [["prometheus.service", "restart"]],
      "what was left to do is on record",
    );
    host.events.length = 0;
    const rerun = await apply(options(host, config));
    assert.ok(hasChanges(rerun.plan), "the pending restart is a change even though the files match");
    assert.deepEqual(serviceEvents(host), ["restart prometheus.service"]);
    assert.ok(host.events.includes("daemon-reload"), "systemd is told about the unit it missed");
    host.events.length = 0;
    const third = await apply(options(host, config));
    assert.equal(hasChanges(third.plan), false);
    assert.deepEqual(serviceEvents(host), []);
  });

  it("the Debian packages' own services are held to stackmon's units: ours replace theirs", async () => {
    const host = new FakeHost(DEBIAN);
    host.writeFileNow(
      "/lib/systemd/system/prometheus-node-exporter.service",
      "ExecStart=/usr/bin/prometheus-node-exporter $ARGS\n",
    );
    const node = host.unit("prometheus-node-exporter.service");
    node.active = true;
    node.enabled = true;
    await apply(options(host, ""));
    assert.match(node.runningFrom ?? "", /--web\.listen-address=127\.0\.0\.1:9100/);
    assert.ok(serviceEvents(host).includes("restart prometheus-node-exporter.service"));
  });
});

// Which Alertmanager stackmon silences on and with which credentials: the server host's, asked
// over that host's own connection (its Host.http), never this machine's network.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HostSession } from "../fleet/applyFleet.js";
import type { FleetHost } from "../fleet/fleet.js";
import { UserError } from "../config/configError.js";
import { FakeHost } from "../host/fakeHost.js";
import type { HttpRequestOptions } from "../host/host.js";
import { parseFleet } from "../stack.js";
import { connectAlertmanager } from "./alertmanagerAccess.js";
import { silenceApi } from "./silenceApi.js";

interface Request {
  readonly url: string;
  readonly options: HttpRequestOptions;
}

/** A host whose HTTP answers like an Alertmanager with no silences, recording each request. */
function recordingHost(files: Record<string, string>): { host: FakeHost; requests: Request[] } {
  const requests: Request[] = [];
  const host = new FakeHost({
    http: (url, options = {}) => {
      requests.push({ url, options });
      return Promise.resolve({ status: 200, body: "[]" });
    },
  });
  for (const [path, text] of Object.entries(files)) {
    host.fs.set(path, {
      kind: "file",
      content: Buffer.from(text),
      ownership: { mode: 0o600, owner: "root", group: "root" },
    });
  }
  return { host, requests };
}

const load = (text: string) => parseFleet(text, "stackmon.yml", { env: {}, stateDir: "/state" });

describe("reaching the stack's Alertmanager to silence", () => {
  it("asks the server of the inventory, through its own connection, with Prometheus's credentials", async () => {
    const fleet = load(`hosts:
  web1: { ssh: root@10.0.0.4 }
  mon: { ssh: admin@10.0.0.1, roles: [server] }
alertmanager:
  listen_address: 127.0.0.1:9093
  web: { basic_auth: { username: stackmon, password_file: /secrets/am } }
`);
    const { host, requests } = recordingHost({ "/etc/prometheus/secrets/alertmanager.password": "s3cret\n" });
    const connected: string[] = [];
    const session = await connectAlertmanager(fleet, {
      connect: (fleetHost: FleetHost): Promise<HostSession> => {
        connected.push(fleetHost.name);
        return Promise.resolve({ host, remote: true, close: () => Promise.resolve() });
      },
    });
    await silenceApi(session.access).list();
    assert.deepEqual(connected, ["mon"]);
    assert.equal(session.access.description, "Alertmanager at http://127.0.0.1:9093 on mon");
    assert.equal(requests[0]?.url, "http://127.0.0.1:9093/api/v2/silences");
    assert.equal(
      requests[0]?.options.headers?.["authorization"],
      `Basic ${Buffer.from("stackmon:s3cret").toString("base64")}`,
    );
  });

  it("asks Grafana's Alertmanager as Grafana's admin when Grafana is the engine", async () => {
    const fleet = load(`global: { hostname: mon }
grafana: { enabled: true, listen_address: 127.0.0.1:3000 }
alerting: { engine: grafana }
`);
    const { host, requests } = recordingHost({ "/etc/stackmon/grafana/admin.password": "adminpw\n" });
    const session = await connectAlertmanager(fleet, {
      connect: () => Promise.resolve({ host, remote: false, close: () => Promise.resolve() }),
    });
    const api = silenceApi(session.access);
    await api.list();
    await api.alerts([{ label: "instance", op: "=", value: "mon" }]);
    assert.deepEqual(
      requests.map((r) => r.url),
      [
        "http://127.0.0.1:3000/api/alertmanager/grafana/api/v2/silences",
        "http://127.0.0.1:3000/api/alertmanager/grafana/api/v2/alerts?filter=instance%3D%22mon%22",
      ],
    );
    assert.equal(
      requests[0]?.options.headers?.["authorization"],
      `Basic ${Buffer.from("admin:adminpw").toString("base64")}`,
    );
  });

  it("reads the files of a stack run by `stackmon up` under its work directory", async () => {
    const fleet = load(`global: { hostname: mon }
alertmanager: { web: { basic_auth: { username: stackmon, password_file: /secrets/am } } }
`);
    const { host, requests } = recordingHost({ "/work/etc/prometheus/secrets/alertmanager.password": "pw" });
    const session = await connectAlertmanager(fleet, {
      dir: "/work",
      connect: () => Promise.resolve({ host, remote: false, close: () => Promise.resolve() }),
    });
    await silenceApi(session.access).list();
    assert.equal(
      requests[0]?.options.headers?.["authorization"],
      `Basic ${Buffer.from("stackmon:pw").toString("base64")}`,
    );
  });

  describe("with a pair of servers", () => {
    const pair = () =>
      load(`hosts:
  mon1: { ssh: root@10.0.0.5, roles: [server] }
  mon2: { ssh: root@10.0.0.6, roles: [server] }
grafana: { enabled: false }
`);
    const password = { "/etc/prometheus/secrets/alertmanager.password": "pw\n" };
    /** A server whose Alertmanager does not answer: its host is there, the port is not. */
    const silentHost = (): FakeHost => new FakeHost({ http: () => Promise.resolve(undefined) });

    it("asks the first server while it answers", async () => {
      const connected: string[] = [];
      const first = recordingHost(password);
      const session = await connectAlertmanager(pair(), {
        connect: (fleetHost) => {
          connected.push(fleetHost.name);
          return Promise.resolve({ host: first.host, remote: true, close: () => Promise.resolve() });
        },
      });
      assert.deepEqual(connected, ["mon1"]);
      assert.equal(session.access.description, "Alertmanager at https://10.0.0.5:9093 on mon1");
    });

    it("asks the second when the first cannot be reached or its Alertmanager does not answer", async () => {
      const unreachable = () =>
        Promise.reject(new UserError("mon1: ssh: connect to host 10.0.0.5 port 22: No route to host"));
      const notAnswering = () =>
        Promise.resolve({ host: silentHost(), remote: true, close: () => Promise.resolve() });
      for (const reachFirst of [unreachable, notAnswering]) {
        const second = recordingHost(password);
        const skipped: string[] = [];
        const session = await connectAlertmanager(pair(), {
          connect: (fleetHost) =>
            fleetHost.name === "mon1"
              ? reachFirst()
              : Promise.resolve({ host: second.host, remote: true, close: () => Promise.resolve() }),
          onSkipped: (reason) => skipped.push(reason),
        });
        assert.equal(session.access.description, "Alertmanager at https://10.0.0.6:9093 on mon2");
        assert.equal(skipped.length, 1);
        assert.match(skipped[0] ?? "", /mon1.*; trying the next server$/);
        await silenceApi(session.access).list();
        assert.deepEqual(
          second.requests.map((r) => r.url),
          ["https://10.0.0.6:9093/api/v2/status", "https://10.0.0.6:9093/api/v2/silences"],
        );
      }
    });

    it("says what happened to each when neither answers", async () => {
      await assert.rejects(
        connectAlertmanager(pair(), {
          connect: (fleetHost) =>
            fleetHost.name === "mon1"
              ? Promise.reject(new UserError("mon1: ssh: connection timed out"))
              : Promise.resolve({ host: silentHost(), remote: true, close: () => Promise.resolve() }),
        }),
        (error: unknown) => {
          assert.ok(error instanceof UserError);
          assert.match(
            error.describe(),
            /^mon1: ssh: connection timed out\nAlertmanager at https:\/\/10\.0\.0\.6:9093 on mon2 did not answer\nhint: no server's Alertmanager answered/,
          );
          return true;
        },
      );
    });
  });
});

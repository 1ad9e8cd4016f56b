// Which Alertmanager stackmon silences on and with which credentials: the server host's, asked
// over that host's own connection (its Host.http), never this machine's network.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HostSession } from "../fleet/applyFleet.js";
import type { FleetHost } from "../fleet/fleet.js";
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
});

// The fleet's CA, certificates and passwords on the machine that runs stackmon, made with the real
// openssl and proven by a TLS handshake that checks them.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:https";
import { connect } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parseFleet } from "../stack.js";
import { controllerPaths } from "./controllerPaths.js";
import { ensureControllerState, pendingControllerChanges } from "./controllerState.js";

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function fleetIn(stateDir: string, webAddress = "10.0.0.11") {
  const text = `hosts:
  mon1: { ssh: admin@mon1.example.net, address: 10.0.0.5, roles: [server] }
  web1: { ssh: deploy@${webAddress} }
grafana: { enabled: false }
`;
  return parseFleet(text, "stackmon.yml", { env: {}, stateDir });
}

function freshState(): string {
  const dir = mkdtempSync(join(tmpdir(), "stackmon-state-"));
  dirs.push(dir);
  return join(dir, "state");
}

const mode = (path: string) => statSync(path).mode & 0o777;

/** Whether a client trusting only the CA completes a handshake with the host's certificate. */
async function handshake(stateDir: string, host: string, serverName: string): Promise<boolean> {
  const paths = controllerPaths(stateDir);
  const server = createServer({
    key: readFileSync(paths.hostKey(host)),
    cert: readFileSync(paths.hostCert(host)),
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  try {
    return await new Promise<boolean>((resolve) => {
      const socket = connect({
        host: "127.0.0.1",
        port,
        ca: readFileSync(paths.caCert),
        servername: serverName,
      });
      socket.once("secureConnect", () => {
        socket.end();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
  } finally {
    server.close();
  }
}

describe("the controller's state", () => {
  it("creates a private CA, a certificate per host with its names, and a password per host", async () => {
    const stateDir = freshState();
    const changes = ensureControllerState(fleetIn(stateDir));
    assert.deepEqual(
      changes.map((c) => `${c.host ?? "-"} ${c.what.replace(/ in .*| for .*/, "")}`),
      [
        "- created the fleet's CA",
        "mon1 generated its scrape password",
        "mon1 issued its certificate (none yet)",
        "web1 generated its scrape password",
        "web1 issued its certificate (none yet)",
      ],
    );
    const paths = controllerPaths(stateDir);
    assert.equal(mode(stateDir), 0o700);
    assert.equal(mode(paths.caKey), 0o600);
    assert.equal(mode(paths.hostKey("web1")), 0o600);
    assert.equal(mode(paths.scrapePassword("web1")), 0o600);
    assert.match(readFileSync(paths.scrapePassword("web1"), "utf8"), /^[A-Za-z0-9_-]{32}\n$/);
    const ca = new X509Certificate(readFileSync(paths.caCert));
    assert.ok(ca.ca, "the CA certificate is a CA");
    const mon1 = new X509Certificate(readFileSync(paths.hostCert("mon1")));
    assert.ok(mon1.verify(ca.publicKey));
    assert.ok(!mon1.ca);
    assert.equal(mon1.subjectAltName, "DNS:mon1, DNS:mon1.example.net, IP Address:10.0.0.5");
    assert.equal(await handshake(stateDir, "web1", "web1"), true, "the CA vouches for web1 as web1");
    assert.equal(await handshake(stateDir, "web1", "mon1"), false, "web1's certificate is not mon1's");
  });

  it("changes nothing the second time", () => {
    const stateDir = freshState();
    ensureControllerState(fleetIn(stateDir));
    const paths = controllerPaths(stateDir);
    const before = [paths.caCert, paths.hostCert("web1"), paths.scrapePassword("web1")].map((p) =>
      readFileSync(p),
    );
    assert.deepEqual(pendingControllerChanges(fleetIn(stateDir)), []);
    assert.deepEqual(ensureControllerState(fleetIn(stateDir)), []);
    const now = [paths.caCert, paths.hostCert("web1"), paths.scrapePassword("web1")].map((p) =>
      readFileSync(p),
    );
    assert.deepEqual(now, before);
  });

  it("issues again a certificate that is about to expire or whose host moved, keeping its password", () => {
    const stateDir = freshState();
    ensureControllerState(fleetIn(stateDir));
    const password = readFileSync(controllerPaths(stateDir).scrapePassword("web1"), "utf8");
    const inAYear = new Date(Date.now() + 380 * 86_400_000);
    assert.deepEqual(
      pendingControllerChanges(fleetIn(stateDir), inAYear).map((c) => `${c.host} ${c.what}`),
      ["mon1 issue its certificate (expires in 16 days)", "web1 issue its certificate (expires in 16 days)"],
    );
    const moved = ensureControllerState(fleetIn(stateDir, "10.0.0.99"));
    assert.deepEqual(
      moved.map((c) => c.what),
      ["issued its certificate (names changed (DNS:web1 IP:10.0.0.11)) for DNS:web1 IP:10.0.0.99"],
    );
    assert.equal(readFileSync(controllerPaths(stateDir).scrapePassword("web1"), "utf8"), password);
  });

  it("issues again what another CA signed", () => {
    const stateDir = freshState();
    ensureControllerState(fleetIn(stateDir));
    rmSync(controllerPaths(stateDir).caKey);
    const changes = ensureControllerState(fleetIn(stateDir)).map(
      (c) => `${c.host ?? "-"} ${c.what.split(" for ")[0]}`,
    );
    assert.deepEqual(changes, [
      `- created the fleet's CA in ${stateDir}`,
      "mon1 issued its certificate (issued by another CA)",
      "web1 issued its certificate (issued by another CA)",
    ]);
    assert.deepEqual(ensureControllerState(fleetIn(stateDir)), []);
  });

  it("issues nothing for a host that brings its own certificate, and still makes its password", () => {
    const stateDir = freshState();
    const text = `hosts:
  mon1: { ssh: admin@10.0.0.5, roles: [server] }
  web1: { ssh: deploy@10.0.0.11, tls: { cert_file: /pki/w.crt, key_file: /pki/w.key, ca_file: /pki/ca.crt } }
grafana: { enabled: false }
`;
    const changes = ensureControllerState(parseFleet(text, "stackmon.yml", { env: {}, stateDir }));
    assert.deepEqual(
      changes.filter((c) => c.host === "web1").map((c) => c.what),
      ["generated its scrape password"],
    );
  });
});

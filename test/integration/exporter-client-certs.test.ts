// client_auth_type means what it means in every Prometheus exporter. exporter-toolkit's
// web/tls_config.go (ConfigToTLSConfig) maps each name to Go's crypto/tls ClientAuthType, whose
// documented meaning (crypto/tls/common.go) is the table below; each cell is tried with real
// certificates made by openssl: none, one signed by the configured client CA, a self-signed one
// and one signed by another CA.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CLIENT_AUTH_TYPES, loadWebConfig, type ClientAuthType } from "../../src/lib/web/webConfig.js";
import { tempDir } from "../helpers/stackmon.js";
import { startTestWebServer } from "../helpers/webServer.js";
import { makeCertificate, makeSignedCertificate, type TestCertificate } from "../helpers/tls.js";

type Client = "none" | "signed by the client CA" | "self-signed" | "signed by another CA";
const CLIENTS: readonly Client[] = ["none", "signed by the client CA", "self-signed", "signed by another CA"];

/** Go's crypto/tls: which clients complete the handshake under each ClientAuthType. */
const EXPECTED: Record<ClientAuthType, readonly Client[]> = {
  // "NoClientCert indicates that no client certificate should be requested during the handshake"
  NoClientCert: CLIENTS,
  // "RequestClientCert ... does not require that the client send any certificates"
  RequestClientCert: CLIENTS,
  // "RequireAnyClientCert ... at least one certificate ... not required to be valid"
  RequireAnyClientCert: ["signed by the client CA", "self-signed", "signed by another CA"],
  // "VerifyClientCertIfGiven ... if the client does send a certificate it is required to be valid"
  VerifyClientCertIfGiven: ["none", "signed by the client CA"],
  // "RequireAndVerifyClientCert ... at least one valid certificate"
  RequireAndVerifyClientCert: ["signed by the client CA"],
};

function get(url: string, client: TestCertificate | undefined): Promise<"served" | "refused"> {
  return new Promise((resolve) => {
    const req = request(
      `${url}/metrics`,
      {
        agent: false,
        rejectUnauthorized: false,
        ...(client ? { cert: readFileSync(client.certFile), key: readFileSync(client.keyFile) } : {}),
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode === 200 ? "served" : "refused"));
      },
    );
    req.on("error", () => resolve("refused"));
    req.end();
  });
}

describe("client_auth_type with real certificates", () => {
  const dir = tempDir("stackmon-client-certs-");
  const certificates = new Map<Client, TestCertificate | undefined>();
  before(() => {
    makeCertificate(dir, "localhost");
    const clientCa = makeCertificate(dir, "client-ca");
    const otherCa = makeCertificate(dir, "other-ca");
    certificates.set("none", undefined);
    certificates.set("signed by the client CA", makeSignedCertificate(dir, clientCa, "trusted-client"));
    certificates.set("self-signed", makeCertificate(dir, "self-signed-client"));
    certificates.set("signed by another CA", makeSignedCertificate(dir, otherCa, "stranger"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const type of CLIENT_AUTH_TYPES) {
    it(`${type}: serves exactly ${EXPECTED[type].join(", ")}`, async () => {
      const file = join(dir, `${type}.yml`);
      const ca =
        type === "NoClientCert" ? "" : `  client_ca_file: client-ca.crt\n  client_auth_type: ${type}\n`;
      // Relative paths are taken from the web config's directory, as exporter-toolkit does.
      writeFileSync(file, `tls_server_config:\n  cert_file: localhost.crt\n  key_file: localhost.key\n${ca}`);
      const exporter = await startTestWebServer({ webConfig: loadWebConfig(file) });
      try {
        const outcomes: Record<string, string> = {};
        for (const client of CLIENTS) outcomes[client] = await get(exporter.url, certificates.get(client));
        assert.deepEqual(
          outcomes,
          Object.fromEntries(CLIENTS.map((c) => [c, EXPECTED[type].includes(c) ? "served" : "refused"])),
        );
      } finally {
        await exporter.close();
      }
    });
  }

  it("takes RequireClientCert, exporter-toolkit's older name, as RequireAnyClientCert", () => {
    const file = join(dir, "alias.yml");
    writeFileSync(
      file,
      "tls_server_config:\n  cert_file: localhost.crt\n  key_file: localhost.key\n  client_auth_type: RequireClientCert\n",
    );
    assert.equal(loadWebConfig(file).tls?.clientAuth, "RequireAnyClientCert");
  });
});

// Certificates for tests, made by openssl: self-signed (also as a CA) and signed by such a CA;
// `days` may be small to test expiry alerts.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface TestCertificate {
  readonly certFile: string;
  readonly keyFile: string;
}

export function makeCertificate(dir: string, commonName = "localhost", days = 30): TestCertificate {
  const certFile = join(dir, `${commonName}.crt`);
  const keyFile = join(dir, `${commonName}.key`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-sha256",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      String(days),
      "-subj",
      `/CN=${commonName}`,
      "-addext",
      `subjectAltName=DNS:${commonName},IP:127.0.0.1`,
    ],
    { stdio: "ignore" },
  );
  return { certFile, keyFile };
}

/**
 * A certificate signed by `ca` (a self-signed one from makeCertificate acting as a CA), for a
 * client ("clientAuth"), a server ("serverAuth") or both (a cluster member, which is each).
 */
export function makeSignedCertificate(
  dir: string,
  ca: TestCertificate,
  commonName: string,
  usage: "clientAuth" | "serverAuth" | "serverAuth,clientAuth" = "clientAuth",
): TestCertificate {
  const certFile = join(dir, `${commonName}.crt`);
  const keyFile = join(dir, `${commonName}.key`);
  const request = join(dir, `${commonName}.csr`);
  const extensions = join(dir, `${commonName}.ext`);
  writeFileSync(extensions, `extendedKeyUsage=${usage}\nsubjectAltName=DNS:${commonName},IP:127.0.0.1\n`);
  execFileSync(
    "openssl",
    [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      request,
      "-subj",
      `/CN=${commonName}`,
    ],
    { stdio: "ignore" },
  );
  execFileSync(
    "openssl",
    [
      "x509",
      "-req",
      "-in",
      request,
      "-CA",
      ca.certFile,
      "-CAkey",
      ca.keyFile,
      "-CAcreateserial",
      "-days",
      "30",
      "-sha256",
      "-extfile",
      extensions,
      "-out",
      certFile,
    ],
    { stdio: "ignore" },
  );
  return { certFile, keyFile };
}

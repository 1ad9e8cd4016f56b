// Self-signed certificates for tests, made by openssl; `days` may be small to test expiry alerts.
import { execFileSync } from "node:child_process";
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

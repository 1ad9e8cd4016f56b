// client_auth_type with Go's meaning (crypto/tls ClientAuthType, which exporter-toolkit's
// web/tls_config.go maps one to one) on Node's TLS server, which has two switches only:
// requestCert and rejectUnauthorized. What those cannot say is decided once the handshake is done.
import type { ClientAuthType } from "./webConfig.js";

/**
 * Node's options: ask for a certificate unless NoClientCert; let Node refuse unverified ones
 * itself only where a verified certificate is required anyway.
 */
export function nodeClientAuth(type: ClientAuthType): { requestCert: boolean; rejectUnauthorized: boolean } {
  return { requestCert: type !== "NoClientCert", rejectUnauthorized: type === "RequireAndVerifyClientCert" };
}

/**
 * Whether a finished handshake may go on, as Go decides it:
 * - NoClientCert, RequestClientCert: always (a certificate, if any, is not checked);
 * - RequireAnyClientCert: a certificate must be presented, signed by anyone;
 * - VerifyClientCertIfGiven: none, or one that verifies against the client CA;
 * - RequireAndVerifyClientCert: one that verifies.
 */
export function clientCertificateAccepted(
  type: ClientAuthType,
  presented: boolean,
  verified: boolean,
): boolean {
  switch (type) {
    case "NoClientCert":
    case "RequestClientCert":
      return true;
    case "RequireAnyClientCert":
      return presented;
    case "VerifyClientCertIfGiven":
      return !presented || verified;
    case "RequireAndVerifyClientCert":
      return presented && verified;
  }
}

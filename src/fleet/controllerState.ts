// What the machine that runs stackmon keeps for a fleet, created before anything is rendered:
// a small CA (its key 0600, never copied to a host), each host's server certificate with the
// names and addresses the servers reach it by, renewed well before it expires, and each host's
// scrape password, generated once. Certificates are made with the openssl command line.
import { spawnSync } from "node:child_process";
import { randomBytes, X509Certificate } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { UserError } from "../config/configError.js";
import { controllerPaths, type ControllerPaths } from "./controllerPaths.js";
import type { SecretReader } from "../render/fileContent.js";
import type { Fleet } from "./fleet.js";
import { isIpLiteral, type InventoryHost } from "./inventory.js";

const CA_DAYS = 3650;
const HOST_DAYS = 397;
/** A certificate with less than this left is issued again on apply. */
export const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 86_400_000;
/** The extended key usage OID a TLS client certificate needs. */
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

export interface StateChange {
  readonly host?: string;
  readonly what: string;
}

/** Runs openssl with its output discarded; a failure is a user error naming the step. */
function openssl(args: readonly string[], what: string, input?: string): void {
  const result = spawnSync("openssl", args, {
    encoding: "utf8",
    input: input ?? "",
    stdio: ["pipe", "ignore", "pipe"],
  });
  if (result.error) {
    throw new UserError(`cannot run openssl to ${what}: ${result.error.message}`, {
      hint: "install openssl on the machine that runs stackmon (Debian: apt-get install openssl)",
    });
  }
  if (result.status !== 0) throw new UserError(`openssl failed to ${what}:\n${result.stderr.trim()}`);
}

function ensurePrivateDirectory(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
}

/** Written beside its final name and renamed into place, with the mode from the start. */
function writePrivate(path: string, content: string | Buffer): void {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, content, { mode: 0o600 });
  renameSync(temporary, path);
}

/** The names a host's certificate must carry: its name (what Prometheus checks) and addresses. */
export function subjectNames(host: InventoryHost): string[] {
  const names = new Set<string>([`DNS:${host.name}`]);
  const destination = host.connection.kind === "ssh" ? host.connection.destination.host : undefined;
  for (const name of [host.address, destination]) {
    if (name === undefined) continue;
    names.add(isIpLiteral(name) ? `IP:${name}` : `DNS:${name}`);
  }
  return [...names].sort();
}

/** How `X509Certificate.subjectAltName` lists them ("DNS:a, IP Address:10.0.0.1"). */
function namesOf(certificate: X509Certificate): string[] {
  return (certificate.subjectAltName ?? "")
    .split(", ")
    .filter(Boolean)
    .map((entry) => entry.replace(/^IP Address:/, "IP:"))
    .sort();
}

function readCertificate(path: string): X509Certificate | undefined {
  try {
    return new X509Certificate(readFileSync(path));
  } catch {
    return undefined;
  }
}

/** Why a host's certificate must be issued again, or undefined when it is good. */
export function renewalReason(
  certificate: X509Certificate | undefined,
  ca: X509Certificate,
  names: readonly string[],
  now: Date,
): string | undefined {
  if (!certificate) return "none yet";
  if (!certificate.checkIssued(ca) || !certificate.verify(ca.publicKey)) return "issued by another CA";
  const left = (new Date(certificate.validTo).getTime() - now.getTime()) / DAY_MS;
  if (left < RENEW_BEFORE_DAYS) return `expires in ${Math.max(0, Math.floor(left))} days`;
  const usages = certificate.keyUsage ?? [];
  if (!usages.includes(CLIENT_AUTH)) return "no client authentication";
  const have = namesOf(certificate);
  if (have.join(",") !== [...names].sort().join(",")) return `names changed (${have.join(" ")})`;
  return undefined;
}

function ensureCa(paths: ControllerPaths, changes: StateChange[]): X509Certificate {
  const existing = existsSync(paths.caKey) ? readCertificate(paths.caCert) : undefined;
  if (existing) return existing;
  const key = `${paths.caKey}.new`;
  const cert = `${paths.caCert}.new`;
  try {
    openssl(
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        String(CA_DAYS),
        "-subj",
        `/CN=stackmon fleet CA ${randomBytes(4).toString("hex")}`,
        "-addext",
        "basicConstraints=critical,CA:TRUE,pathlen:0",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
      ],
      "create the fleet's CA",
    );
    chmodSync(key, 0o600);
    renameSync(key, paths.caKey);
    renameSync(cert, paths.caCert);
  } finally {
    rmSync(key, { force: true });
    rmSync(cert, { force: true });
  }
  changes.push({ what: `created the fleet's CA in ${paths.dir}` });
  const created = readCertificate(paths.caCert);
  if (!created) throw new Error(`openssl wrote no readable CA certificate at ${paths.caCert}`);
  return created;
}

function issueHostCertificate(paths: ControllerPaths, host: InventoryHost, names: readonly string[]): void {
  const dir = paths.hostDir(host.name);
  const key = join(dir, "tls.key.new");
  const request = join(dir, "tls.csr");
  const extensions = join(dir, "tls.ext");
  const cert = join(dir, "tls.crt.new");
  try {
    openssl(
      [
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        key,
        "-out",
        request,
        "-subj",
        `/CN=${host.name}`,
      ],
      `make a key for ${host.name}`,
    );
    chmodSync(key, 0o600);
    writeFileSync(
      extensions,
      [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature",
        // Client too: Alertmanagers of a pair prove themselves to each other with it (mutual TLS).
        "extendedKeyUsage=serverAuth,clientAuth",
        `subjectAltName=${names.join(",")}`,
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    openssl(
      [
        "x509",
        "-req",
        "-in",
        request,
        "-CA",
        paths.caCert,
        "-CAkey",
        paths.caKey,
        "-CAcreateserial",
        "-days",
        String(HOST_DAYS),
        "-extfile",
        extensions,
        "-out",
        cert,
      ],
      `sign ${host.name}'s certificate`,
    );
    renameSync(key, paths.hostKey(host.name));
    renameSync(cert, paths.hostCert(host.name));
  } finally {
    for (const path of [key, request, extensions, cert, `${paths.caCert.replace(/\.crt$/, "")}.srl`]) {
      rmSync(path, { force: true });
    }
  }
}

function ensurePassword(path: string): boolean {
  if (existsSync(path) && statSync(path).size > 0) return false;
  writePrivate(path, `${randomBytes(24).toString("base64url")}\n`);
  return true;
}

/**
 * Makes the state directory hold everything the fleet's render refers to. Idempotent: a second
 * run with the same inventory changes nothing. Only hosts that need them get files.
 */
export function ensureControllerState(fleet: Fleet, now: Date = new Date()): StateChange[] {
  const changes: StateChange[] = [];
  if (!fleet.inventory) return changes;
  const paths = controllerPaths(fleet.stateDir);
  ensurePrivateDirectory(paths.dir);
  const ca = ensureCa(paths, changes);
  for (const host of fleet.hosts) {
    ensurePrivateDirectory(paths.hostDir(host.name));
    if (host.exposed.length > 0 && ensurePassword(paths.scrapePassword(host.name))) {
      changes.push({ host: host.name, what: "generated its scrape password" });
    }
    if (host.generatedTls.length === 0 || host.tls) continue;
    const names = subjectNames(host);
    const reason = renewalReason(readCertificate(paths.hostCert(host.name)), ca, names, now);
    if (reason === undefined) continue;
    issueHostCertificate(paths, host, names);
    changes.push({ host: host.name, what: `issued its certificate (${reason}) for ${names.join(" ")}` });
  }
  return changes;
}

/** For `plan`: what ensureControllerState would do, without doing it. */
export function pendingControllerChanges(fleet: Fleet, now: Date = new Date()): StateChange[] {
  if (!fleet.inventory) return [];
  const paths = controllerPaths(fleet.stateDir);
  const ca = existsSync(paths.caKey) ? readCertificate(paths.caCert) : undefined;
  const changes: StateChange[] = ca ? [] : [{ what: `create the fleet's CA in ${paths.dir}` }];
  for (const host of fleet.hosts) {
    const password = paths.scrapePassword(host.name);
    if (host.exposed.length > 0 && !(existsSync(password) && statSync(password).size > 0)) {
      changes.push({ host: host.name, what: "generate its scrape password" });
    }
    if (host.generatedTls.length === 0 || host.tls) continue;
    const names = subjectNames(host);
    const reason = ca
      ? renewalReason(readCertificate(paths.hostCert(host.name)), ca, names, now)
      : "none yet";
    if (reason !== undefined) changes.push({ host: host.name, what: `issue its certificate (${reason})` });
  }
  return changes;
}

/**
 * For `plan` before the first apply: what the controller has not generated yet reads as a
 * placeholder, so the files that will hold it show as changes instead of failing the plan.
 */
export function planSecretReader(fleet: Fleet, read: SecretReader): SecretReader {
  const dir = controllerPaths(fleet.stateDir).dir;
  return (ref) =>
    ref.kind === "file" && ref.path.startsWith(`${dir}/`) && !existsSync(ref.path)
      ? "(generated by the first apply)"
      : read(ref);
}

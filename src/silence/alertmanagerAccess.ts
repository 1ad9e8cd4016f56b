// How stackmon reaches the stack's Alertmanager to silence: the server host's endpoint as the
// rendered desired state has it, over that host's own connection (this machine, or SSH with the
// endpoint reached from the host itself), with the credentials Prometheus uses for it; Grafana's
// Alertmanager with its admin's credentials when Grafana is the engine.
import { join } from "node:path";
import { alertingSettingsOf } from "../alerting/catalog.js";
import { UserError } from "../config/configError.js";
import type { HostConnector } from "../fleet/applyFleet.js";
import { servers, type Fleet, type FleetHost } from "../fleet/fleet.js";
import type { DesiredState } from "../render/desiredState.js";
import { HOST_TARGET, renderFleetHost } from "../stack.js";
import { authHeadersFor, type StackFileReader } from "../verify/endpointAuth.js";
import { silenceApi, type AlertmanagerAccess } from "./silenceApi.js";

export interface AccessOptions {
  readonly connect: HostConnector;
  /** The work directory of a stack run by `stackmon up --dir DIR`: its files are under it. */
  readonly dir?: string;
  /** Told why a server of a pair is passed over for the next. */
  readonly onSkipped?: (reason: string) => void;
}

export interface AlertmanagerSession {
  readonly access: AlertmanagerAccess;
  close(): Promise<void>;
}

/**
 * A server's Alertmanager: the first server's, or with a pair the first that answers. The pair's
 * Alertmanagers gossip as one cluster, so a silence made on either holds on both, and the
 * commands still work while one server is down (for the repair it is down for).
 */
export async function connectAlertmanager(
  fleet: Fleet,
  options: AccessOptions,
): Promise<AlertmanagerSession> {
  const candidates = servers(fleet);
  if (candidates.length === 0) {
    throw new UserError("no host has the role server: there is no Alertmanager to silence on");
  }
  const unreachable: string[] = [];
  for (const [index, server] of candidates.entries()) {
    const last = index === candidates.length - 1;
    let session: AlertmanagerSession;
    try {
      session = await connectServer(fleet, server, options);
    } catch (error) {
      if (last || !(error instanceof UserError)) throw withUnreachable(error, unreachable);
      unreachable.push(error.message);
      options.onSkipped?.(`${error.message}; trying the next server`);
      continue;
    }
    // With one server there is nothing else to try: its own errors say what is wrong.
    if (candidates.length === 1 || (await silenceApi(session.access).answers())) return session;
    await session.close();
    const reason = `${session.access.description} did not answer`;
    if (last) throw withUnreachable(new UserError(reason, { hint: "is the stack running?" }), unreachable);
    unreachable.push(reason);
    options.onSkipped?.(`${reason}; trying the next server`);
  }
  throw new Error("unreachable: the last server returns or throws");
}

/** The last server's error, with what happened to the servers tried before it. */
function withUnreachable(error: unknown, before: readonly string[]): unknown {
  if (!(error instanceof UserError) || before.length === 0) return error;
  return new UserError([...before, error.message].join("\n"), {
    hint: "no server's Alertmanager answered: is the stack running, and are the servers reachable?",
  });
}

async function connectServer(
  fleet: Fleet,
  server: FleetHost,
  options: AccessOptions,
): Promise<AlertmanagerSession> {
  const desired = renderFleetHost(fleet, server.name, HOST_TARGET);
  const engine = alertingSettingsOf(server.config).engine;
  const session = await options.connect(server);
  try {
    const readFile: StackFileReader = async (path) =>
      (await session.host.files.read(options.dir ? join(options.dir, path) : path))?.toString("utf8");
    const on = fleet.inventory ? ` on ${server.name}` : "";
    const access =
      engine === "grafana"
        ? await grafanaAccess(desired, readFile, on)
        : await alertmanagerAccess(desired, readFile, on);
    return { access: { ...access, http: session.host.http }, close: () => session.close() };
  } catch (error) {
    await session.close();
    throw error;
  }
}

type Access = Omit<AlertmanagerAccess, "http">;

async function alertmanagerAccess(
  desired: DesiredState,
  readFile: StackFileReader,
  on: string,
): Promise<Access> {
  const url = desired.endpoints.find((e) => e.role === "alertmanager")?.url;
  if (!url) throw new UserError("Alertmanager is not enabled in this config");
  return {
    baseUrl: url,
    engine: "alertmanager",
    headers: await authHeadersFor(desired, url, readFile),
    description: `Alertmanager at ${url}${on}`,
  };
}

/** Grafana's API as its admin: the credentials its provisioning reloads use. */
async function grafanaAccess(desired: DesiredState, readFile: StackFileReader, on: string): Promise<Access> {
  const url = desired.endpoints.find((e) => e.role === "grafana")?.url;
  const reload = desired.services.find((s) => s.id === "grafana")?.reload;
  if (!url || reload?.kind !== "http") throw new UserError("Grafana is not enabled in this config");
  const description = `Grafana at ${url}${on}`;
  const auth = reload.basicAuth;
  const password = auth ? (await readFile(auth.passwordFile))?.replace(/\r?\n$/, "") : undefined;
  if (auth && password === undefined) {
    throw new UserError(`cannot read Grafana's admin password (${auth.passwordFile}) for ${description}`, {
      hint: "run as root",
    });
  }
  return {
    baseUrl: url,
    engine: "grafana",
    headers:
      auth && password !== undefined
        ? { authorization: `Basic ${Buffer.from(`${auth.username}:${password}`).toString("base64")}` }
        : {},
    description,
  };
}

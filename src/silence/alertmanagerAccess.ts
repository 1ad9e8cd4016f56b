// How stackmon reaches the stack's Alertmanager to silence: the server host's endpoint as the
// rendered desired state has it, over that host's own connection (this machine, or SSH with the
// endpoint reached from the host itself), with the credentials Prometheus uses for it; Grafana's
// Alertmanager with its admin's credentials when Grafana is the engine.
import { join } from "node:path";
import { alertingSettingsOf } from "../alerting/catalog.js";
import { UserError } from "../config/configError.js";
import type { HostConnector } from "../fleet/applyFleet.js";
import { servers, type Fleet } from "../fleet/fleet.js";
import type { DesiredState } from "../render/desiredState.js";
import { HOST_TARGET, renderFleetHost } from "../stack.js";
import { authHeadersFor, type StackFileReader } from "../verify/endpointAuth.js";
import type { AlertmanagerAccess } from "./silenceApi.js";

export interface AccessOptions {
  readonly connect: HostConnector;
  /** The work directory of a stack run by `stackmon up --dir DIR`: its files are under it. */
  readonly dir?: string;
}

export interface AlertmanagerSession {
  readonly access: AlertmanagerAccess;
  close(): Promise<void>;
}

/**
 * The first server's Alertmanager: a pair of servers' Alertmanagers gossip as one cluster, and
 * a silence made on one holds on both.
 */
export async function connectAlertmanager(
  fleet: Fleet,
  options: AccessOptions,
): Promise<AlertmanagerSession> {
  const [server] = servers(fleet);
  if (!server) throw new UserError("no host has the role server: there is no Alertmanager to silence on");
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

// Carrying out the plan's service actions one unit at a time: enable, start/restart/reload (a
// signal, or a request to the service's own API), then wait until it is back. A service that
// does not come back gets its previous files restored and is restarted on them; the failure is
// reported by unit name.
import type { Host, HostServices, Ownership } from "../host/host.js";
import type { DesiredState, ServiceSpec } from "../render/desiredState.js";
import type { ServiceAction } from "../plan/plan.js";
import { reachableAddress } from "../config/schemaParts.js";
import { isUnitFile, unitFilePath } from "../render/systemdUnit.js";
import { waitUntilReady, type ReadinessProbe } from "./readiness.js";

/** What a file was before apply wrote it; absent content means it did not exist. */
export interface FileBackup {
  readonly content?: Buffer;
  readonly ownership?: Ownership;
}

export interface ServiceFailure {
  readonly unit: string;
  readonly why: string;
  /** Its last log lines when it failed. */
  readonly log: string;
  /** Files put back as they were before this apply. */
  readonly restored: readonly string[];
  /** Whether it runs again on the restored files. */
  readonly recovered: boolean;
}

export interface ServiceRun {
  readonly host: Host;
  readonly services: HostServices;
  readonly desired: DesiredState;
  readonly backups: ReadonlyMap<string, FileBackup>;
  readonly probe: ReadinessProbe;
  readonly timeoutMs: number;
  readonly log: (message: string, fields?: Record<string, string | number>) => void;
  /** Called after each action is done (or given up on), to keep the pending record current. */
  readonly done: (action: ServiceAction) => Promise<void>;
}

async function act(run: ServiceRun, action: ServiceAction, service: ServiceSpec | undefined): Promise<void> {
  const { services } = run;
  if (action.enable === true) await services.enable(action.unit);
  if (action.enable === false) await services.disable(action.unit);
  switch (action.run) {
    case "start":
      return services.start(action.unit);
    case "restart":
      return services.restart(action.unit);
    case "reload":
      if (service?.reload.kind === "http") return reloadOverHttp(run, service, service.reload);
      return services.reload(action.unit);
    case "stop":
      return services.stop(action.unit);
    case "none":
      return;
  }
}

type HttpReload = Extract<ServiceSpec["reload"], { kind: "http" }>;

/**
 * A reload through the service's own API (Grafana re-reads its provisioning). When the API does
 * not take it (down, or the admin password on file is no longer the one in its database), a
 * restart reads everything anyway.
 */
async function reloadOverHttp(run: ServiceRun, service: ServiceSpec, reload: HttpReload): Promise<void> {
  const refused = await httpReloadProblem(run.host, service, reload);
  if (refused === undefined) return;
  run.log(`${service.unit} did not take the reload over its API; restarting it instead`, { why: refused });
  await run.services.restart(service.unit);
}

/** Undefined when every reload request answered 2xx, else what went wrong (never a secret). */
async function httpReloadProblem(
  host: Host,
  service: ServiceSpec,
  reload: HttpReload,
): Promise<string | undefined> {
  if (!service.listen) return "it has no listen address";
  const headers: Record<string, string> = {};
  if (reload.basicAuth) {
    const password = (await host.files.read(reload.basicAuth.passwordFile))?.toString("utf8").trim();
    if (!password) return `${reload.basicAuth.passwordFile} is missing or empty`;
    const token = Buffer.from(`${reload.basicAuth.username}:${password}`).toString("base64");
    headers["authorization"] = `Basic ${token}`;
  }
  const base = `${service.scheme}://${reachableAddress(service.listen)}`;
  for (const path of reload.paths) {
    const response = await host.http(`${base}${path}`, { method: reload.method, headers, timeoutMs: 10_000 });
    if (!response) return `${reload.method} ${path} got no answer`;
    if (response.status < 200 || response.status > 299)
      return `${reload.method} ${path} answered ${response.status}`;
  }
  return undefined;
}

/** Puts back the previous version of every file this service reads that apply changed. */
async function restoreFiles(run: ServiceRun, service: ServiceSpec): Promise<string[]> {
  const unitPath = unitFilePath(service);
  const read = run.desired.files
    .filter((f) => f.path === unitPath || f.consumers.some((c) => c.service === service.id))
    .map((f) => f.path);
  const restored: string[] = [];
  for (const path of read) {
    const backup = run.backups.get(path);
    // A file new in this apply has no previous version; it stays (removing a unit would bring
    // back the packaged one with its defaults).
    if (!backup?.content || !backup.ownership) continue;
    await run.host.files.write(path, backup.content, backup.ownership);
    restored.push(path);
  }
  if (restored.some(isUnitFile)) await run.services.daemonReload();
  return restored;
}

export async function runServiceActions(
  run: ServiceRun,
  actions: readonly ServiceAction[],
): Promise<ServiceFailure[]> {
  const failures: ServiceFailure[] = [];
  const byUnit = new Map(run.desired.services.map((s) => [s.unit, s]));
  // Services that go away first: their ports may be what the others are about to take.
  const ordered = [...actions].sort((a, b) => Number(b.run === "stop") - Number(a.run === "stop"));
  for (const action of ordered) {
    const service = byUnit.get(action.unit);
    const verb = [
      action.enable === true ? "enable" : action.enable === false ? "disable" : "",
      action.run === "none" ? "" : action.run,
    ]
      .filter(Boolean)
      .join("+");
    run.log(`${verb} ${action.unit}`, { because: action.reasons.join("; ") });
    let refused: string | undefined;
    try {
      await act(run, action, service);
    } catch (error) {
      if (!service) throw error;
      refused = (error as Error).message.trim();
    }
    if (!service || action.run === "stop" || action.run === "none") {
      await run.done(action);
      continue;
    }
    const readiness = refused
      ? { ready: false as const, why: `systemctl ${action.run} failed: ${refused}` }
      : await waitUntilReady(run.services, service, run.probe, run.timeoutMs);
    if (readiness.ready) {
      const after = await run.services.status(action.unit);
      run.log(`${action.unit} is ready`, { since: after.activeEnterTimestamp || "-" });
      await run.done(action);
      continue;
    }
    run.log(`${action.unit} did not come back`, { why: readiness.why });
    const lastLog = (await run.services.recentLog(action.unit, 5).catch(() => "")).trim();
    const restored = await restoreFiles(run, service);
    let recovered = false;
    if (restored.length > 0) {
      run.log(`restored the previous files of ${action.unit}`, { files: restored.join(",") });
      await run.services.restart(action.unit).catch(() => undefined);
      // Its previous files may listen elsewhere than the desired ones: staying up is the test.
      recovered = (await waitUntilReady(run.services, service, undefined, run.timeoutMs)).ready;
      run.log(
        recovered
          ? `${action.unit} runs on its previous files`
          : `${action.unit} still fails on its previous files`,
      );
    }
    failures.push({ unit: action.unit, why: readiness.why, log: lastLog, restored, recovered });
    await run.done(action);
  }
  return failures;
}

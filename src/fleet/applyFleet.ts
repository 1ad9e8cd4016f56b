// plan and apply over a fleet: each host's run is the single-host plan or apply, unchanged, on the
// Host its session gives; hosts run in parallel up to a bound, and one failing stops no other.
import { apply, describeFailures, type ProgressLog } from "../apply/apply.js";
import { acquireHostLock } from "../apply/hostLock.js";
import { UserError } from "../config/configError.js";
import type { Host } from "../host/host.js";
import { readSecret } from "../lib/secrets.js";
import type { SecretReader } from "../render/fileContent.js";
import { readAppliedState } from "../plan/appliedState.js";
import { appliedSummary } from "../plan/formatPlan.js";
import { hostStack } from "../plan/hostStack.js";
import { hasChanges, planChanges, type Plan } from "../plan/plan.js";
import { fleetHostRenderer } from "../stack.js";
import { forEachHost, type HostOutcome } from "./fanOut.js";
import type { Fleet, FleetHost } from "./fleet.js";
import {
  ensureRuntime,
  pendingRuntime,
  plannedProgram,
  pruneReleases,
  runtimeBundle,
} from "./stackmonRuntime.js";

/** A host of the fleet, reached. */
export interface HostSession {
  readonly host: Host;
  /** Another machine: stackmon's own exporters run there from a copy the controller gives it. */
  readonly remote: boolean;
  close(): Promise<void>;
}

export type HostConnector = (host: FleetHost) => Promise<HostSession>;

export interface FleetRunOptions {
  readonly fleet: Fleet;
  /** Secrets as apply reads them (default: readSecret, on this machine). */
  readonly readSecret?: SecretReader;
  /** The hosts to act on, by name (all by default). */
  readonly hosts: readonly string[];
  readonly parallel: number;
  readonly connect: HostConnector;
  readonly log: ProgressLog;
}

export interface HostApplied {
  readonly changed: boolean;
  readonly summary: string;
}

function describeError(error: unknown): string {
  if (error instanceof UserError) return error.describe();
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

async function withSession<T>(
  options: FleetRunOptions,
  name: string,
  work: (session: HostSession, fleetHost: FleetHost) => Promise<T>,
): Promise<T> {
  const fleetHost = options.fleet.hosts.find((h) => h.name === name);
  if (!fleetHost) throw new UserError(`no host ${name} in the inventory`);
  const session = await options.connect(fleetHost);
  try {
    return await work(session, fleetHost);
  } finally {
    await session.close();
  }
}

/** Whether the host runs one of stackmon's own (Node.js) exporters. */
function runsOwnExporters(fleet: Fleet, name: string): boolean {
  const desired = fleetHostRenderer(fleet, name)({ root: "", platform: "systemd" }, {});
  return desired.services.some((service) => service.binary.nodeEntry !== undefined);
}

export interface HostPlan {
  readonly plan: Plan;
  /** What the host must get before the plan can run: stackmon's own runtime. */
  readonly runtime: readonly string[];
}

export function hostPlanHasChanges(result: HostPlan): boolean {
  return result.runtime.length > 0 || hasChanges(result.plan);
}

/** What each host would change; the plans, or why a host could not be planned. */
export function planFleet(options: FleetRunOptions): Promise<HostOutcome<HostPlan>[]> {
  return forEachHost(
    options.hosts,
    options.parallel,
    (name) =>
      withSession(options, name, async (session) => {
        const own = session.remote && runsOwnExporters(options.fleet, name) ? runtimeBundle() : undefined;
        const stackmonProgram = own ? await plannedProgram(session.host, own) : undefined;
        const stack = await hostStack(fleetHostRenderer(options.fleet, name), session.host, {
          listsFetched: false,
          ...(stackmonProgram ? { stackmonProgram } : {}),
        });
        const { plan } = await planChanges({
          desired: stack.desired,
          sources: stack.sources,
          host: session.host,
          readSecret: options.readSecret ?? ((ref) => readSecret(ref)),
          applied: await readAppliedState(session.host),
        });
        return { plan, runtime: own ? await pendingRuntime(session.host, own) : [] };
      }),
    describeError,
  );
}

export interface FleetApplyOptions extends FleetRunOptions {
  readonly readyTimeoutMs: number;
  readonly releaseBaseUrl: string;
  readonly releaseSha256?: Readonly<Record<string, string>>;
}

/** Applies every host; a host whose service did not come back is rolled back and reported. */
export function applyFleet(options: FleetApplyOptions): Promise<HostOutcome<HostApplied>[]> {
  return forEachHost(
    options.hosts,
    options.parallel,
    (name) =>
      withSession(options, name, async (session) => {
        const release = await acquireHostLock(session.host);
        try {
          const log: ProgressLog = (message, fields) =>
            options.log(message, options.fleet.inventory ? { host: name, ...fields } : fields);
          log("apply", { target: session.host.description });
          const own = session.remote && runsOwnExporters(options.fleet, name) ? runtimeBundle() : undefined;
          const stackmonProgram = own
            ? await ensureRuntime(session.host, own, (message) => log(message))
            : undefined;
          const result = await apply({
            host: session.host,
            prepare: (prepareOptions) =>
              hostStack(fleetHostRenderer(options.fleet, name), session.host, {
                ...prepareOptions,
                ...(stackmonProgram ? { stackmonProgram } : {}),
              }),
            readSecret: (ref) => readSecret(ref),
            log,
            readyTimeoutMs: options.readyTimeoutMs,
            releaseBaseUrl: options.releaseBaseUrl,
            ...(options.releaseSha256 ? { releaseSha256: options.releaseSha256 } : {}),
          });
          if (result.failures.length > 0) throw new UserError(describeFailures(result.failures));
          if (own) await pruneReleases(session.host, own);
          const changed = hasChanges(result.plan);
          return { changed, summary: changed ? appliedSummary(result.plan) : "no changes" };
        } finally {
          await release();
        }
      }),
    describeError,
  );
}

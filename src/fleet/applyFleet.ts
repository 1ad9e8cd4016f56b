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
import { hostStack, type HostStackOptions } from "../plan/hostStack.js";
import { hasChanges, planChanges, type Plan } from "../plan/plan.js";
import { fleetHostRenderer } from "../stack.js";
import { forEachHost, type HostOutcome } from "./fanOut.js";
import type { Fleet, FleetHost } from "./fleet.js";

/** A host of the fleet, reached: its Host and how stackmon's own programs run there. */
export interface HostSession {
  readonly host: Host;
  readonly stackmonProgram?: HostStackOptions["stackmonProgram"];
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

/** What each host would change; the plans, or why a host could not be planned. */
export function planFleet(options: FleetRunOptions): Promise<HostOutcome<Plan>[]> {
  return forEachHost(
    options.hosts,
    options.parallel,
    (name) =>
      withSession(options, name, async (session) => {
        const stack = await hostStack(fleetHostRenderer(options.fleet, name), session.host, {
          listsFetched: false,
          ...(session.stackmonProgram ? { stackmonProgram: session.stackmonProgram } : {}),
        });
        const { plan } = await planChanges({
          desired: stack.desired,
          sources: stack.sources,
          host: session.host,
          readSecret: options.readSecret ?? ((ref) => readSecret(ref)),
          applied: await readAppliedState(session.host),
        });
        return plan;
      }),
    describeError,
  );
}

export interface FleetApplyOptions extends FleetRunOptions {
  readonly readyTimeoutMs: number;
  readonly releaseBaseUrl: string;
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
          const result = await apply({
            host: session.host,
            prepare: (prepareOptions) =>
              hostStack(fleetHostRenderer(options.fleet, name), session.host, {
                ...prepareOptions,
                ...(session.stackmonProgram ? { stackmonProgram: session.stackmonProgram } : {}),
              }),
            readSecret: (ref) => readSecret(ref),
            log,
            readyTimeoutMs: options.readyTimeoutMs,
            releaseBaseUrl: options.releaseBaseUrl,
          });
          if (result.failures.length > 0) throw new UserError(describeFailures(result.failures));
          const changed = hasChanges(result.plan);
          return { changed, summary: changed ? appliedSummary(result.plan) : "no changes" };
        } finally {
          await release();
        }
      }),
    describeError,
  );
}

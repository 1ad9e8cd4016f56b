// apply: carries out the plan on a host, in an order that keeps the live stack working at every
// step: packages, users, directories; candidate files checked by the real tools; then the files
// go live atomically, systemd re-reads units, provisioning runs, and only the services whose
// inputs changed are reloaded or restarted, each one waited for. An interrupted run leaves a
// record of what it still had to do, so running it again converges.
import { posix } from "node:path";
import { UserError } from "../config/configError.js";
import type { Host, HostFiles, Ownership } from "../host/host.js";
import type { DesiredState } from "../render/desiredState.js";
import type { SecretReader } from "../render/fileContent.js";
import {
  readAppliedState,
  writeAppliedState,
  type AppliedState,
  type PendingServiceAction,
} from "../plan/appliedState.js";
import { executablesOf, type BinarySource } from "../plan/binarySources.js";
import type { HostStack } from "../plan/hostStack.js";
import {
  hasChanges,
  pendingOf,
  planChanges,
  servicesOf,
  type Plan,
  type ServiceAction,
} from "../plan/plan.js";
import { checkCandidates } from "./candidates.js";
import { runProvisioningStep } from "../host/provisioning.js";
import { httpReadiness, type ReadinessProbe } from "./readiness.js";
import { GITHUB_RELEASES, installReleases } from "./releaseTarball.js";
import { runServiceActions, type FileBackup, type ServiceFailure } from "./serviceActions.js";

export type ProgressLog = (message: string, fields?: Record<string, string | number>) => void;

export interface ApplyOptions {
  readonly host: Host;
  /** The stack for this host, as its binaries stand now (called again after installing). */
  readonly prepare: (options: { listsFetched: boolean }) => Promise<HostStack>;
  readonly readSecret: SecretReader;
  readonly log: ProgressLog;
  readonly probe?: ReadinessProbe;
  /** How long a service may take to come back (default 60 s). */
  readonly readyTimeoutMs?: number;
  /** Where release tarballs are downloaded from (default GitHub). */
  readonly releaseBaseUrl?: string;
  /** sha256 of release assets by name, from the operator (apply --release-sha256). */
  readonly releaseSha256?: Readonly<Record<string, string>>;
}

export interface ApplyResult {
  /** What was planned once the packages were in place. */
  readonly plan: Plan;
  readonly failures: readonly ServiceFailure[];
}

/** Logs a line every 10 s while a long step runs, so a person sees it is still going. */
async function withProgress<T>(log: ProgressLog, what: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  log(what);
  const timer = setInterval(
    () => log(`still ${what}`, { elapsed: `${Math.round((Date.now() - started) / 1000)}s` }),
    10_000,
  );
  try {
    const result = await work();
    log(`done ${what}`, { elapsed: `${((Date.now() - started) / 1000).toFixed(1)}s` });
    return result;
  } finally {
    clearInterval(timer);
  }
}

function sourcesOfKind<K extends BinarySource["kind"]>(
  sources: ReadonlyMap<string, BinarySource>,
  kind: K,
): Extract<BinarySource, { kind: K }>[] {
  return [...sources.values()].filter((s): s is Extract<BinarySource, { kind: K }> => s.kind === kind);
}

/** Repositories, packages and release tarballs, then the stack as the installed binaries make it. */
async function installBinaries(options: ApplyOptions): Promise<HostStack> {
  const { host, log } = options;
  let stack = await options.prepare({ listsFetched: false });
  const packages = host.packages;
  if (packages) {
    for (const spec of stack.desired.packages) {
      if (spec.repository && !(await packages.hasRepository(spec.repository))) {
        await withProgress(log, `adding the package repository for ${spec.binary.name}`, () =>
          packages.addRepository(spec.repository as NonNullable<typeof spec.repository>),
        );
      }
    }
    if (sourcesOfKind(stack.sources, "package").length > 0) {
      await withProgress(log, "fetching package lists", () => packages.refresh());
      stack = await options.prepare({ listsFetched: true });
    }
    const names = [...new Set(sourcesOfKind(stack.sources, "package").map((s) => s.package))].sort();
    if (names.length > 0) {
      await withProgress(log, `installing packages ${names.join(" ")}`, () => packages.install(names));
    }
  }
  const releases = sourcesOfKind(stack.sources, "release");
  if (releases.length > 0) {
    await withProgress(log, "installing release tarballs", () =>
      installReleases(
        host,
        releases.map((r) => ({ release: r.release, path: r.path })),
        {
          baseUrl: options.releaseBaseUrl ?? GITHUB_RELEASES,
          ...(options.releaseSha256 ? { sha256: options.releaseSha256 } : {}),
          log,
        },
      ),
    );
  }
  if (packages || releases.length > 0) stack = await options.prepare({ listsFetched: true });
  const missing = stack.desired.services.flatMap((s) => {
    const source = stack.sources.get(s.binary.name);
    return source?.kind === "unavailable" ? [`${s.unit}: ${source.reason}`] : [];
  });
  if (missing.length > 0 && host.services) throw new UserError(`cannot install:\n${missing.join("\n")}`);
  return stack;
}

async function writeFiles(
  host: Host,
  plan: Plan,
  desired: DesiredState,
  contents: ReadonlyMap<string, string>,
  log: ProgressLog,
): Promise<Map<string, FileBackup>> {
  const backups = new Map<string, FileBackup>();
  const specs = new Map(desired.files.map((f) => [f.path, f]));
  for (const change of plan.changes) {
    if (change.type !== "file" && change.type !== "unit") continue;
    const path = change.subject;
    if (change.action === "delete") {
      await host.files.remove(path);
      log("removed", { path });
      continue;
    }
    const spec = specs.get(path);
    const content = contents.get(path);
    if (!spec || content === undefined) continue;
    const ownership = { mode: spec.mode, owner: spec.owner, group: spec.group };
    const previous = await host.files.read(path);
    const previousStat = await host.files.stat(path);
    backups.set(path, {
      ...(previous ? { content: previous } : {}),
      ...(previousStat
        ? { ownership: { mode: previousStat.mode, owner: previousStat.owner, group: previousStat.group } }
        : {}),
    });
    if (change.contentChanged) await host.files.write(path, content, ownership);
    else await host.files.setOwnership(path, ownership);
    log(change.action === "create" ? "created" : "updated", { path });
  }
  return backups;
}

export async function apply(options: ApplyOptions): Promise<ApplyResult> {
  const { host, log } = options;
  const stack = await installBinaries(options);
  const { desired } = stack;
  const applied = await readAppliedState(host);
  const { plan, contents } = await planChanges({
    desired,
    sources: stack.sources,
    host,
    readSecret: options.readSecret,
    applied,
  });
  if (!hasChanges(plan)) {
    log("no changes");
    return { plan, failures: [] };
  }

  const users = host.users;
  for (const change of plan.changes) {
    if (change.type !== "user" || !users) continue;
    const spec = desired.users.find((u) => u.name === change.subject);
    if (change.action === "create" && spec) {
      for (const group of spec.supplementaryGroups)
        if (!(await users.groupExists(group)))
          throw new UserError(`group ${group} (for user ${spec.name}) does not exist`);
      await users.createSystemUser(spec.name, spec.group, spec.supplementaryGroups);
    } else {
      await users.addToGroups(change.subject, change.addGroups);
    }
    log(change.action === "create" ? "created user" : "updated user", { user: change.subject });
  }
  for (const change of plan.changes) {
    if (change.type !== "directory" || change.action === "delete") continue;
    await ensureParentDirectories(host.files, change.subject);
    await host.files.ensureDirectory(change.subject, change.ownership);
    log(change.action === "create" ? "created directory" : "updated directory", { path: change.subject });
  }

  const filesChange = plan.changes.some((c) => (c.type === "file" || c.type === "unit") && c.contentChanged);
  if (filesChange) {
    const failures = await withProgress(log, "checking candidate files with the real tools", () =>
      checkCandidates({
        host,
        staged: (root) => stack.renderAt(root),
        executables: executablesOf(stack.sources),
        readSecret: options.readSecret,
      }),
    );
    if (failures.length > 0) {
      const lines = failures.map((f) => `${f.path} was rejected by ${f.tool}:\n${f.output}`);
      throw new UserError(`${lines.join("\n")}\nnothing was changed: the live files are as they were`, {
        hint: "fix stackmon.yml and run apply again; `stackmon plan` shows the candidate",
      });
    }
  }

  // From here on the live stack changes: record what is still to do before doing it.
  let pending: PendingServiceAction[] = mergePending(applied.pending, pendingOf(plan));
  let daemonReloadDone = false;
  const record = (state: Partial<AppliedState>) =>
    writeAppliedState(host, {
      files: [...applied.files, ...desired.files.map((f) => f.path)],
      services: mergeServices(applied.services, servicesOf(desired)),
      pending,
      daemonReloadPending: !daemonReloadDone && (plan.daemonReload || applied.daemonReloadPending),
      ...state,
    });
  await record({});
  const services = host.services;
  const wanted = new Set(desired.services.map((s) => s.unit));
  const [leaving, staying] = partition(plan.services, (s) => !wanted.has(s.unit));
  const serviceRun = (backups: ReadonlyMap<string, FileBackup>) => ({
    host,
    services: services as NonNullable<typeof services>,
    desired,
    backups,
    probe: options.probe ?? httpReadiness(host.http),
    timeoutMs: options.readyTimeoutMs ?? 60_000,
    log,
    done: async (action: ServiceAction) => {
      pending = pending.filter((p) => p.unit !== action.unit);
      await record({});
    },
  });
  // Services that leave the stack stop before their unit files go.
  if (services && leaving.length > 0) await runServiceActions(serviceRun(new Map()), leaving);
  const backups = await writeFiles(host, plan, desired, contents, log);

  let failures: readonly ServiceFailure[] = [];
  if (services) {
    if (plan.daemonReload) {
      await services.daemonReload();
      log("systemctl daemon-reload");
    }
    daemonReloadDone = true;
    await record({});
    for (const change of plan.changes) {
      if (change.type !== "provision") continue;
      const step = desired.services.flatMap((s) => s.provisioning ?? []).find((p) => p.id === change.subject);
      if (!step) continue;
      await withProgress(log, step.description, () =>
        runProvisioningStep(host.commands, step, options.readSecret),
      );
    }
    failures = await runServiceActions(serviceRun(backups), staying);
  }
  await writeAppliedState(host, {
    files: desired.files.map((f) => f.path),
    services: servicesOf(desired),
    pending: [],
    daemonReloadPending: false,
  });
  return { plan, failures };
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}

function mergePending(
  earlier: readonly PendingServiceAction[],
  now: readonly PendingServiceAction[],
): PendingServiceAction[] {
  const rank = { reload: 0, start: 1, restart: 2 } as const;
  const byUnit = new Map<string, PendingServiceAction>();
  for (const p of [...earlier, ...now]) {
    const existing = byUnit.get(p.unit);
    if (!existing || rank[p.action] > rank[existing.action]) byUnit.set(p.unit, p);
  }
  return [...byUnit.values()];
}

function mergeServices(
  a: readonly { id: string; unit: string }[],
  b: readonly { id: string; unit: string }[],
): { id: string; unit: string }[] {
  const byUnit = new Map([...a, ...b].map((s) => [s.unit, s]));
  return [...byUnit.values()];
}

/** The message apply exits with when services did not come back. */
export function describeFailures(failures: readonly ServiceFailure[]): string {
  return failures
    .map((f) => {
      const restored =
        f.restored.length > 0
          ? `; its previous files were restored (${f.restored.join(", ")}) and it ${f.recovered ? "runs on them again" : "still fails on them"}`
          : "; it had no previous files to go back to";
      const log = f.log ? `\n  its last log lines:\n${f.log.replace(/^/gm, "    ")}` : "";
      return `${f.unit} did not come back: ${f.why}${restored}${log}`;
    })
    .join("\n");
}

const PARENT_DIRECTORY: Ownership = { mode: 0o755, owner: "root", group: "root" };

/**
 * Creates the missing parents of a directory 0755 root:root, one by one, before the directory
 * itself: a recursive mkdir would give them the directory's own restrictive mode (0750 on
 * /etc/stackmon shuts every service out of its config below it). Existing parents are left alone.
 */
async function ensureParentDirectories(files: HostFiles, path: string): Promise<void> {
  const missing: string[] = [];
  for (let dir = posix.dirname(path); dir !== "/" && !(await files.stat(dir)); dir = posix.dirname(dir))
    missing.unshift(dir);
  for (const dir of missing) await files.ensureDirectory(dir, PARENT_DIRECTORY);
}

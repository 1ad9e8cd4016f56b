// The plan: what apply would change on a host, as plain data. A closed set of actions (+ ~ -) on
// a closed set of things, sorted so the same host and config always give the same plan, and one
// function that answers "is there anything to do?".
import { UserError } from "../config/configError.js";
import type { Host, Ownership } from "../host/host.js";
import type { DesiredState, ServiceSpec } from "../render/desiredState.js";
import { maskedText, resolvedText, type SecretReader } from "../render/fileContent.js";
import { provisioningInPlace } from "../host/provisioning.js";
import { isUnitFile } from "../render/systemdUnit.js";
import type { AppliedState, PendingServiceAction } from "./appliedState.js";
import type { BinarySource } from "./binarySources.js";
import { changedSecrets, maskCurrentText } from "./maskSecrets.js";
import { unifiedDiff } from "./unifiedDiff.js";

export type ChangeAction = "create" | "update" | "delete";

export const ACTION_SYMBOL: Readonly<Record<ChangeAction, string>> = {
  create: "+",
  update: "~",
  delete: "-",
};

export interface RepositoryChange {
  readonly type: "repository";
  readonly action: "create";
  /** The sources/repo file it adds. */
  readonly subject: string;
  readonly binaries: readonly string[];
}

export interface PackageChange {
  readonly type: "package";
  readonly action: "create" | "update";
  /** The package name. */
  readonly subject: string;
  readonly manager: string;
  readonly installed?: string;
  /** What the repositories offer; absent until the package lists are fetched. */
  readonly candidate?: string;
  readonly minVersion?: string;
  readonly binaries: readonly string[];
}

export interface ReleaseChange {
  readonly type: "release";
  readonly action: "create" | "update";
  /** Where the binary is installed. */
  readonly subject: string;
  readonly binary: string;
  readonly version: string;
  readonly repo: string;
  readonly reason: string;
}

export interface UserChange {
  readonly type: "user";
  readonly action: "create" | "update";
  readonly subject: string;
  readonly group: string;
  readonly addGroups: readonly string[];
}

export interface DirectoryChange {
  readonly type: "directory";
  readonly action: ChangeAction;
  readonly subject: string;
  readonly ownership: Ownership;
  readonly was?: Ownership;
}

export interface FileChange {
  /** A unit is a file systemd reads: changing one means daemon-reload and a restart. */
  readonly type: "file" | "unit";
  readonly action: ChangeAction;
  readonly subject: string;
  readonly ownership?: Ownership;
  readonly was?: Ownership;
  readonly contentChanged: boolean;
  /** Unified diff with every secret masked; "" when only ownership or mode change. */
  readonly diff: string;
  /** Config keys of secrets whose value changed (never the values). */
  readonly secretsChanged: readonly string[];
}

export interface ProvisionChange {
  readonly type: "provision";
  readonly action: "create";
  readonly subject: string;
  readonly description: string;
  readonly reason: string;
}

export type Change =
  | RepositoryChange
  | PackageChange
  | ReleaseChange
  | UserChange
  | DirectoryChange
  | FileChange
  | ProvisionChange;

export type ChangeType = Change["type"];

/** The order apply works in, and plans print in. */
export const CHANGE_TYPES: readonly ChangeType[] = [
  "repository",
  "package",
  "release",
  "user",
  "directory",
  "file",
  "unit",
  "provision",
];

export interface ServiceAction {
  readonly service: string;
  readonly unit: string;
  /** What happens to the running process; "none" when only its start at boot changes. */
  readonly run: "start" | "restart" | "reload" | "stop" | "none";
  /** Set when its start at boot changes. */
  readonly enable?: boolean;
  readonly reasons: readonly string[];
}

export interface Plan {
  readonly host: string;
  readonly changes: readonly Change[];
  readonly services: readonly ServiceAction[];
  /** systemd must re-read unit files. */
  readonly daemonReload: boolean;
}

/** The one place that answers "is there anything to do?". */
export function hasChanges(plan: Plan): boolean {
  return plan.changes.length > 0 || plan.services.length > 0 || plan.daemonReload;
}

/** File contents with secrets resolved, as compared: apply writes exactly these. Never printed. */
export type PlannedContents = ReadonlyMap<string, string>;

export interface PlanInput {
  readonly desired: DesiredState;
  readonly sources: ReadonlyMap<string, BinarySource>;
  readonly host: Host;
  readonly readSecret: SecretReader;
  readonly applied: AppliedState;
}

export interface PlanResult {
  readonly plan: Plan;
  readonly contents: PlannedContents;
}

function sameOwnership(host: Host, actual: Ownership, wanted: Ownership): boolean {
  if ((actual.mode & 0o7777) !== wanted.mode) return false;
  return !host.files.managesOwnership || (actual.owner === wanted.owner && actual.group === wanted.group);
}

function ownershipOf(spec: { mode: number; owner: string; group: string }): Ownership {
  return { mode: spec.mode, owner: spec.owner, group: spec.group };
}

function compareChanges(a: Change, b: Change): number {
  return CHANGE_TYPES.indexOf(a.type) - CHANGE_TYPES.indexOf(b.type) || a.subject.localeCompare(b.subject);
}

async function packageChanges(input: PlanInput): Promise<Change[]> {
  const changes: Change[] = [];
  const packages = new Map<
    string,
    { source: Extract<BinarySource, { kind: "package" }>; binaries: string[] }
  >();
  for (const [name, source] of input.sources) {
    if (source.kind === "package") {
      const entry = packages.get(source.package) ?? { source, binaries: [] };
      entry.binaries.push(name);
      packages.set(source.package, entry);
    }
    if (source.kind === "release") {
      changes.push({
        type: "release",
        action: "create",
        subject: source.path,
        binary: name,
        version: source.release.version,
        repo: source.release.repo,
        reason: source.reason,
      });
    }
  }
  const minimum = (binaries: readonly string[]) =>
    input.desired.packages.find((p) => binaries.includes(p.binary.name))?.binary.minVersion;
  for (const [name, { source, binaries }] of packages) {
    const min = minimum(binaries);
    changes.push({
      type: "package",
      action: source.installed === undefined ? "create" : "update",
      subject: name,
      manager: source.manager,
      ...(source.installed !== undefined ? { installed: source.installed } : {}),
      ...(source.candidate !== undefined ? { candidate: source.candidate } : {}),
      ...(min !== undefined ? { minVersion: min } : {}),
      binaries: binaries.sort(),
    });
  }
  const packageHost = input.host.packages;
  if (packageHost) {
    for (const spec of input.desired.packages) {
      const repository = spec.repository;
      if (!repository || (await packageHost.hasRepository(repository))) continue;
      const subject = packageHost.manager === "apt" ? repository.apt?.listPath : repository.dnf?.repoPath;
      if (subject !== undefined)
        changes.push({ type: "repository", action: "create", subject, binaries: [spec.binary.name] });
    }
  }
  return changes;
}

async function userChanges(input: PlanInput): Promise<Change[]> {
  const users = input.host.users;
  if (!users) return [];
  const changes: Change[] = [];
  for (const spec of input.desired.users) {
    const found = await users.user(spec.name);
    if (!found) {
      if (!spec.create) {
        throw new UserError(`user ${spec.name} does not exist on ${input.host.description}`, {
          hint: "stackmon runs this service as an existing user and does not create it",
        });
      }
      changes.push({
        type: "user",
        action: "create",
        subject: spec.name,
        group: spec.group,
        addGroups: [...spec.supplementaryGroups].sort(),
      });
      continue;
    }
    const missing = spec.supplementaryGroups.filter((g) => !found.supplementaryGroups.includes(g)).sort();
    if (missing.length > 0)
      changes.push({
        type: "user",
        action: "update",
        subject: spec.name,
        group: found.group,
        addGroups: missing,
      });
  }
  return changes;
}

async function directoryChanges(input: PlanInput): Promise<Change[]> {
  const changes: Change[] = [];
  for (const spec of input.desired.directories) {
    const ownership = ownershipOf(spec);
    const stat = await input.host.files.stat(spec.path);
    if (!stat) changes.push({ type: "directory", action: "create", subject: spec.path, ownership });
    else if (!sameOwnership(input.host, stat, ownership))
      changes.push({ type: "directory", action: "update", subject: spec.path, ownership, was: stat });
  }
  return changes;
}

interface FilePlan {
  readonly changes: FileChange[];
  readonly contents: Map<string, string>;
}

async function fileChanges(input: PlanInput): Promise<FilePlan> {
  const { host, desired } = input;
  const changes: FileChange[] = [];
  const contents = new Map<string, string>();
  for (const spec of desired.files) {
    const type = isUnitFile(spec.path) ? "unit" : "file";
    const ownership = ownershipOf(spec);
    const currentBytes = await host.files.read(spec.path);
    const current = currentBytes?.toString("utf8");
    const resolved = resolvedText(spec.content, input.readSecret, current);
    contents.set(spec.path, resolved);
    const masked = maskedText(spec.content);
    if (current === undefined) {
      changes.push({
        type,
        action: "create",
        subject: spec.path,
        ownership,
        contentChanged: true,
        diff: unifiedDiff("", masked, { before: "/dev/null", after: spec.path }),
        secretsChanged: [],
      });
      continue;
    }
    const stat = await host.files.stat(spec.path);
    const contentChanged = current !== resolved;
    const ownershipChanged = stat !== undefined && !sameOwnership(host, stat, ownership);
    if (!contentChanged && !ownershipChanged) continue;
    changes.push({
      type,
      action: "update",
      subject: spec.path,
      ownership,
      ...(stat && ownershipChanged ? { was: { mode: stat.mode, owner: stat.owner, group: stat.group } } : {}),
      contentChanged,
      diff: contentChanged
        ? unifiedDiff(maskCurrentText(current, spec.content, masked), masked, {
            before: spec.path,
            after: spec.path,
          })
        : "",
      secretsChanged: contentChanged ? changedSecrets(current, resolved, spec.content) : [],
    });
  }
  const wanted = new Set(desired.files.map((f) => f.path));
  for (const path of input.applied.files) {
    if (wanted.has(path) || !(await host.files.stat(path))) continue;
    changes.push({
      type: isUnitFile(path) ? "unit" : "file",
      action: "delete",
      subject: path,
      contentChanged: true,
      diff: "",
      secretsChanged: [],
    });
  }
  return { changes, contents };
}

async function provisionChanges(input: PlanInput, files: readonly FileChange[]): Promise<Change[]> {
  if (!input.host.services) return [];
  const changedPaths = new Set(files.filter((f) => f.contentChanged).map((f) => f.subject));
  const changes: Change[] = [];
  for (const service of input.desired.services) {
    for (const step of service.provisioning ?? []) {
      const changedInput = step.inputs.find((path) => changedPaths.has(path));
      let reason: string | undefined = changedInput ? `${changedInput} changes` : undefined;
      if (!reason) {
        if (!(await provisioningInPlace(input.host.commands, step))) reason = "not in place yet";
      }
      if (reason)
        changes.push({
          type: "provision",
          action: "create",
          subject: step.id,
          description: step.description,
          reason,
        });
    }
  }
  return changes;
}

function isRunning(activeState: string): boolean {
  return activeState === "active" || activeState === "reloading" || activeState === "activating";
}

async function serviceActions(input: PlanInput, files: readonly FileChange[]): Promise<ServiceAction[]> {
  const services = input.host.services;
  if (!services) return [];
  const actions: ServiceAction[] = [];
  const fileByPath = new Map(input.desired.files.map((f) => [f.path, f]));
  for (const service of input.desired.services) {
    const status = await services.status(service.unit);
    const restart: string[] = [];
    const reload: string[] = [];
    for (const change of files) {
      if (!change.contentChanged || change.action === "delete") continue;
      const consumer = fileByPath.get(change.subject)?.consumers.find((c) => c.service === service.id);
      if (!consumer) continue;
      const why = `${change.subject} ${change.action === "create" ? "is new" : "changes"}`;
      (consumer.onChange === "restart" ? restart : reload).push(why);
    }
    const source = input.sources.get(service.binary.name);
    if (source?.kind === "package") restart.push(`${source.package} is installed`);
    if (source?.kind === "release")
      restart.push(`${service.binary.name} ${source.release.version} is installed`);
    const pending = input.applied.pending.find((p) => p.unit === service.unit);
    const pendingWhy = "an interrupted apply left it to do";
    if (pending?.action === "restart" || pending?.action === "start") restart.push(pendingWhy);
    if (pending?.action === "reload") reload.push(pendingWhy);

    const running = isRunning(status.activeState);
    // Starting it reads every input anyway; why it is not running is the one reason worth saying.
    const reasons = running ? [...restart, ...reload] : ["it is not running"];
    const run: ServiceAction["run"] = !running
      ? "start"
      : restart.length > 0 || (reload.length > 0 && service.reload.kind === "restart")
        ? "restart"
        : reload.length > 0
          ? "reload"
          : "none";
    const enable = status.unitFileState !== "enabled";
    if (enable) reasons.push("it does not start at boot");
    if (run !== "none" || enable)
      actions.push({
        service: service.id,
        unit: service.unit,
        run,
        ...(enable ? { enable: true } : {}),
        reasons,
      });
  }
  const wanted = new Set(input.desired.services.map((s) => s.unit));
  for (const gone of input.applied.services) {
    if (wanted.has(gone.unit)) continue;
    const status = await services.status(gone.unit);
    const running = isRunning(status.activeState);
    const enabled = status.unitFileState === "enabled";
    if (running || enabled)
      actions.push({
        service: gone.id,
        unit: gone.unit,
        run: running ? "stop" : "none",
        ...(enabled ? { enable: false } : {}),
        reasons: ["it is no longer in stackmon.yml"],
      });
  }
  return actions.sort((a, b) => a.unit.localeCompare(b.unit));
}

export async function planChanges(input: PlanInput): Promise<PlanResult> {
  const files = await fileChanges(input);
  const changes = [
    ...(await packageChanges(input)),
    ...(await userChanges(input)),
    ...(await directoryChanges(input)),
    ...files.changes,
    ...(await provisionChanges(input, files.changes)),
  ].sort(compareChanges);
  const services = await serviceActions(input, files.changes);
  const daemonReload =
    input.host.services !== undefined &&
    (input.applied.daemonReloadPending || files.changes.some((c) => c.type === "unit"));
  return {
    plan: { host: input.host.description, changes, services, daemonReload },
    contents: files.contents,
  };
}

/** The service actions still to do, as the applied-state record keeps them. */
export function pendingOf(plan: Plan): PendingServiceAction[] {
  return plan.services.flatMap((s) =>
    s.run === "start" || s.run === "restart" || s.run === "reload"
      ? [{ service: s.service, unit: s.unit, action: s.run }]
      : [],
  );
}

export function servicesOf(desired: DesiredState): { id: string; unit: string }[] {
  return desired.services.map((s: ServiceSpec) => ({ id: s.id, unit: s.unit }));
}

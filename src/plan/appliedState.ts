// What the last apply left on the host: the paths and units it manages (so a component that is
// switched off gets its files removed and its service stopped) and the service actions it had
// still to do when it was interrupted (so the next run finishes them).
import type { Host } from "../host/host.js";

export const APPLIED_STATE_PATH = "/var/lib/stackmon/applied.json";

export interface PendingServiceAction {
  readonly service: string;
  readonly unit: string;
  readonly action: "start" | "restart" | "reload";
}

export interface AppliedState {
  readonly files: readonly string[];
  readonly services: readonly { readonly id: string; readonly unit: string }[];
  readonly pending: readonly PendingServiceAction[];
  /** Unit files changed on disk and systemd not yet told. */
  readonly daemonReloadPending: boolean;
}

export const NOTHING_APPLIED: AppliedState = {
  files: [],
  services: [],
  pending: [],
  daemonReloadPending: false,
};

export async function readAppliedState(host: Host): Promise<AppliedState> {
  const raw = await host.files.read(APPLIED_STATE_PATH);
  if (!raw) return NOTHING_APPLIED;
  try {
    const parsed = JSON.parse(raw.toString("utf8")) as Partial<AppliedState>;
    return {
      files: Array.isArray(parsed.files) ? parsed.files : [],
      services: Array.isArray(parsed.services) ? parsed.services : [],
      pending: Array.isArray(parsed.pending) ? parsed.pending : [],
      daemonReloadPending: parsed.daemonReloadPending === true,
    };
  } catch {
    // A damaged record only costs the memory of what to remove; the desired state still applies.
    return NOTHING_APPLIED;
  }
}

export async function writeAppliedState(host: Host, state: AppliedState): Promise<void> {
  const sorted: AppliedState = {
    files: [...new Set(state.files)].sort(),
    services: [...state.services].sort((a, b) => a.unit.localeCompare(b.unit)),
    pending: [...state.pending].sort((a, b) => a.unit.localeCompare(b.unit)),
    daemonReloadPending: state.daemonReloadPending,
  };
  await host.files.ensureDirectory("/var/lib/stackmon", { mode: 0o755, owner: "root", group: "root" });
  await host.files.write(APPLIED_STATE_PATH, `${JSON.stringify(sorted, null, 2)}\n`, {
    mode: 0o644,
    owner: "root",
    group: "root",
  });
}

// The hardening every stackmon unit starts from; components state only where they differ.
import type { Hardening } from "../../render/desiredState.js";

export function hardening(overrides: Partial<Hardening> = {}): Hardening {
  return {
    capabilities: [],
    memoryDenyWriteExecute: true,
    procSubsetPid: true,
    protectProc: "invisible",
    readsClock: false,
    netlink: false,
    privateUsers: false,
    readWritePaths: [],
    readOnlyPaths: [],
    protectHome: "yes",
    extra: [],
    ...overrides,
  };
}

/**
 * For Go programs: their process collector reads the boot time from /proc/stat to give
 * process_start_time_seconds (uptime, restart alerts), which ProcSubset=pid hides.
 */
export const GO_PROCESS_METRICS: Partial<Hardening> = { procSubsetPid: false };

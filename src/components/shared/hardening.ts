// The hardening every stackmon unit starts from; components state only where they differ.
import type { Hardening } from "../../render/desiredState.js";

export function hardening(overrides: Partial<Hardening> = {}): Hardening {
  return {
    capabilities: [],
    memoryDenyWriteExecute: true,
    procSubsetPid: true,
    readWritePaths: [],
    readOnlyPaths: [],
    protectHome: "yes",
    extra: [],
    ...overrides,
  };
}

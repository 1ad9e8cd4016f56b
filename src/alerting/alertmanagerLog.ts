// Alertmanager's recent log, where it says why a notification failed: the journal of its unit on
// a systemd host, or the log file of a stack run by `stackmon up --dir DIR`.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Host } from "../host/host.js";
import type { DesiredState } from "../render/desiredState.js";

const LINES = 2000;

export function alertmanagerLogReader(
  desired: DesiredState,
  host: Host,
  upDir: string | undefined,
): (() => Promise<string | undefined>) | undefined {
  const service = desired.services.find((s) => s.id === "alertmanager");
  if (!service) return undefined;
  if (upDir !== undefined) {
    return () => readFile(join(upDir, "logs", `${service.id}.log`), "utf8").catch(() => undefined);
  }
  const services = host.services;
  if (!services) return undefined;
  return () => services.recentLog(service.unit, LINES).catch(() => undefined);
}

// A ServiceSpec as a hardened systemd unit, or as a drop-in for a unit its package ships. Pure;
// see reference/hardening.md for the reasoning.
import type { FileSpec, Hardening, ServiceSpec } from "./desiredState.js";

const UNIT_DIR = "/etc/systemd/system";

/** systemd quotes arguments with spaces; our args never hold secrets. */
function quoteArg(arg: string): string {
  return /[\s"'\\]/.test(arg) ? `"${arg.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"` : arg;
}

function environmentLines(service: ServiceSpec): string[] {
  return Object.entries(service.environment)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `Environment=${quoteArg(`${key}=${value}`)}`);
}

function hardeningLines(h: Hardening): string[] {
  const caps = h.capabilities.join(" ");
  return [
    "# Hardening: measured with `systemd-analyze security`.",
    `CapabilityBoundingSet=${caps}`,
    ...(caps ? [`AmbientCapabilities=${caps}`] : []),
    "NoNewPrivileges=true",
    "LockPersonality=true",
    `MemoryDenyWriteExecute=${h.memoryDenyWriteExecute}`,
    "PrivateDevices=true",
    "PrivateTmp=true",
    ...(h.privateUsers ? ["PrivateUsers=true"] : []),
    // ProtectClock also forbids reading the clock's state (adjtimex with no changes requested).
    `ProtectClock=${!h.readsClock}`,
    "ProtectControlGroups=true",
    `ProtectHome=${h.protectHome}`,
    "ProtectHostname=true",
    "ProtectKernelLogs=true",
    "ProtectKernelModules=true",
    "ProtectKernelTunables=true",
    `ProtectProc=${h.protectProc}`,
    ...(h.procSubsetPid ? ["ProcSubset=pid"] : []),
    "ProtectSystem=strict",
    ...(h.readWritePaths.length ? [`ReadWritePaths=${h.readWritePaths.join(" ")}`] : []),
    ...(h.readOnlyPaths.length ? [`ReadOnlyPaths=${h.readOnlyPaths.join(" ")}`] : []),
    "RemoveIPC=true",
    `RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX${h.netlink ? " AF_NETLINK" : ""}`,
    "RestrictNamespaces=true",
    "RestrictRealtime=true",
    "RestrictSUIDSGID=true",
    "SystemCallArchitectures=native",
    "SystemCallFilter=@system-service",
    "SystemCallFilter=~@privileged @resources",
    // After the deny list, which would otherwise take it away again (it is in @privileged).
    ...(h.readsClock ? ["SystemCallFilter=adjtimex"] : []),
    "SystemCallErrorNumber=EPERM",
    "UMask=0027",
    ...h.extra,
  ];
}

export function renderUnit(service: ServiceSpec, execPath: string): string {
  const after = ["network-online.target", ...service.after].join(" ");
  const exec = [execPath, ...service.args].map(quoteArg).join(" \\\n    ");
  const lines = [
    "# Rendered by stackmon; edits are overwritten on the next apply.",
    "[Unit]",
    `Description=${service.description}`,
    `Wants=network-online.target`,
    `After=${after}`,
    "",
    "[Service]",
    "Type=simple",
    `User=${service.user}`,
    `Group=${service.group}`,
    ...environmentLines(service),
    ...(service.environmentFile ? [`EnvironmentFile=${service.environmentFile}`] : []),
    `ExecStart=${exec}`,
    ...(service.reload.kind === "signal" ? ["ExecReload=/bin/kill -HUP $MAINPID"] : []),
    "Restart=on-failure",
    "RestartSec=5s",
    "TimeoutStopSec=30s",
    "",
    ...hardeningLines(service.hardening),
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ];
  return lines.join("\n");
}

/**
 * What stackmon adds to a unit its package ships. The package's ExecStart, user and paths stay;
 * the environment file is replaced by stackmon's (the package's differs between Debian and RHEL,
 * and an empty assignment resets the list).
 */
export function renderDropIn(service: ServiceSpec): string {
  const lines = [
    "# Rendered by stackmon; edits are overwritten on the next apply.",
    `# Extends ${service.unit} as its package ships it: environment, restart policy, hardening.`,
    "[Unit]",
    "Wants=network-online.target",
    `After=${["network-online.target", ...service.after].join(" ")}`,
    "",
    "[Service]",
    ...environmentLines(service),
    ...(service.environmentFile ? ["EnvironmentFile=", `EnvironmentFile=${service.environmentFile}`] : []),
    "Restart=on-failure",
    "RestartSec=5s",
    "",
    ...hardeningLines(service.hardening),
    "",
  ];
  return lines.join("\n");
}

/** Where stackmon writes a service's unit: the unit itself, or its drop-in. */
export function unitFilePath(service: Pick<ServiceSpec, "unit" | "packagedUnit">): string {
  return service.packagedUnit === true
    ? `${UNIT_DIR}/${service.unit}.d/stackmon.conf`
    : `${UNIT_DIR}/${service.unit}`;
}

/** Whether systemd reads this file as (part of) a unit: changing it needs a daemon-reload. */
export function isUnitFile(path: string): boolean {
  return path.startsWith(`${UNIT_DIR}/`);
}

export function unitFile(service: ServiceSpec, execPath: string): FileSpec {
  return {
    path: unitFilePath(service),
    content: service.packagedUnit === true ? renderDropIn(service) : renderUnit(service, execPath),
    mode: 0o644,
    owner: "root",
    group: "root",
    consumers: [{ service: service.id, onChange: "restart" }],
  };
}

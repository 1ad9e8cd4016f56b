// A ServiceSpec as a hardened systemd unit. Pure; see reference/hardening.md for the reasoning.
import type { FileSpec, ServiceSpec } from "./desiredState.js";

/** systemd quotes arguments with spaces; our args never hold secrets. */
function quoteArg(arg: string): string {
  return /[\s"'\\]/.test(arg) ? `"${arg.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"` : arg;
}

export function renderUnit(service: ServiceSpec, execPath: string): string {
  const h = service.hardening;
  const after = ["network-online.target", ...service.after].join(" ");
  const exec = [execPath, ...service.args].map(quoteArg).join(" \\\n    ");
  const environment = Object.entries(service.environment)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `Environment=${quoteArg(`${key}=${value}`)}`);
  const caps = h.capabilities.join(" ");
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
    ...environment,
    ...(service.environmentFile ? [`EnvironmentFile=${service.environmentFile}`] : []),
    `ExecStart=${exec}`,
    ...(service.reload.kind === "signal" ? ["ExecReload=/bin/kill -HUP $MAINPID"] : []),
    "Restart=on-failure",
    "RestartSec=5s",
    "TimeoutStopSec=30s",
    "",
    "# Hardening: measured with `systemd-analyze security`.",
    `CapabilityBoundingSet=${caps}`,
    ...(caps ? [`AmbientCapabilities=${caps}`] : []),
    "NoNewPrivileges=true",
    "LockPersonality=true",
    `MemoryDenyWriteExecute=${h.memoryDenyWriteExecute}`,
    "PrivateDevices=true",
    "PrivateTmp=true",
    "ProtectClock=true",
    "ProtectControlGroups=true",
    `ProtectHome=${h.protectHome}`,
    "ProtectHostname=true",
    "ProtectKernelLogs=true",
    "ProtectKernelModules=true",
    "ProtectKernelTunables=true",
    "ProtectProc=invisible",
    ...(h.procSubsetPid ? ["ProcSubset=pid"] : []),
    "ProtectSystem=strict",
    ...(h.readWritePaths.length ? [`ReadWritePaths=${h.readWritePaths.join(" ")}`] : []),
    ...(h.readOnlyPaths.length ? [`ReadOnlyPaths=${h.readOnlyPaths.join(" ")}`] : []),
    "RemoveIPC=true",
    // A service that reads the host's /proc and /sys widely (the node exporter) also reads its
    // network state over netlink: without AF_NETLINK its netdev collector fails.
    `RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX${h.procSubsetPid ? "" : " AF_NETLINK"}`,
    "RestrictNamespaces=true",
    "RestrictRealtime=true",
    "RestrictSUIDSGID=true",
    "SystemCallArchitectures=native",
    "SystemCallFilter=@system-service",
    "SystemCallFilter=~@privileged @resources",
    "SystemCallErrorNumber=EPERM",
    "UMask=0027",
    ...h.extra,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ];
  return lines.join("\n");
}

export function unitFile(service: ServiceSpec, execPath: string): FileSpec {
  return {
    path: `/etc/systemd/system/${service.unit}`,
    content: renderUnit(service, execPath),
    mode: 0o644,
    owner: "root",
    group: "root",
    consumers: [{ service: service.id, onChange: "restart" }],
  };
}

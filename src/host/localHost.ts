// This machine, as root: files under /, apt or dnf, useradd, systemctl. What `apply` changes.
// The system code is shared with remote hosts (system/systemHost.ts); only the ports are local.
import { httpGet } from "../verify/httpProbe.js";
import { DiskFiles } from "./diskFiles.js";
import type { Host } from "./host.js";
import { localCommands } from "./runCommand.js";
import { systemHost } from "./system/systemHost.js";

/** This machine. Packages and services only where their tools are (a container may lack systemd). */
export function localHost(): Promise<Host> {
  return systemHost({
    description: "this machine",
    commands: localCommands,
    files: new DiskFiles("", true),
    http: httpGet,
  });
}

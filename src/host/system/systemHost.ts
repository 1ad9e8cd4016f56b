// A machine run by systemd and apt or dnf, as one `Host`, built from its ports (see host.ts):
// a command runner, its files and its HTTP. This machine is it over a local runner and local
// files (localHost.ts); a remote machine is the same code over a runner and files that go
// through ssh. What the host lacks (no systemd in a container, no package manager) is absent.
import type { Host, HostCommands, HostFiles, HostHttp, HostPackages } from "../host.js";
import { AptPackages, type AptOptions } from "./aptPackages.js";
import { DnfPackages } from "./dnfPackages.js";
import { systemdServices } from "./systemdServices.js";
import { systemUsers } from "./systemUsers.js";

export interface SystemPorts {
  /** For messages: "this machine", "web1 (ssh)". */
  readonly description: string;
  readonly commands: HostCommands;
  readonly files: HostFiles;
  readonly http: HostHttp;
  readonly apt?: AptOptions;
}

async function packagesOf(ports: SystemPorts): Promise<HostPackages | undefined> {
  const { commands, files } = ports;
  if (await files.stat("/usr/bin/apt-get")) return new AptPackages(commands.run, files, ports.apt);
  if (await files.stat("/usr/bin/dnf")) return new DnfPackages("dnf", commands.run, files);
  if (await files.stat("/usr/bin/yum")) return new DnfPackages("yum", commands.run, files);
  return undefined;
}

export async function systemHost(ports: SystemPorts): Promise<Host> {
  const packages = await packagesOf(ports);
  // systemd's own test (sd_booted): this directory exists only when it is the running init.
  const systemd = (await ports.files.stat("/run/systemd/system"))?.kind === "directory";
  return {
    description: ports.description,
    files: ports.files,
    commands: ports.commands,
    http: ports.http,
    ...(packages ? { packages } : {}),
    users: systemUsers(ports.commands.run, ports.files),
    ...(systemd ? { services: systemdServices(ports.commands.run) } : {}),
  };
}

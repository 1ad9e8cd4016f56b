// systemd units and their journal over the command-runner port (see host.ts): systemctl to
// change and ask, journalctl for the last lines of a unit that did not come back.
import type { CommandRunner, HostServices, UnitStatus } from "../host.js";
import { mustRun } from "./mustRun.js";

const SHOW_PROPERTIES = [
  "LoadState",
  "ActiveState",
  "SubState",
  "UnitFileState",
  "ActiveEnterTimestamp",
  "NRestarts",
  "MainPID",
];

/** `systemctl show` output: KEY=value lines. Pure, for tests. */
export function parseUnitStatus(text: string): UnitStatus {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) values.set(line.slice(0, at), line.slice(at + 1));
  }
  return {
    loadState: values.get("LoadState") ?? "not-found",
    activeState: values.get("ActiveState") ?? "inactive",
    subState: values.get("SubState") ?? "dead",
    unitFileState: values.get("UnitFileState") ?? "",
    activeEnterTimestamp: values.get("ActiveEnterTimestamp") ?? "",
    restarts: Number(values.get("NRestarts") ?? "0") || 0,
    mainPid: Number(values.get("MainPID") ?? "0") || 0,
  };
}

export function systemdServices(run: CommandRunner): HostServices {
  const systemctl = async (...args: string[]) => void (await mustRun(run, "systemctl", args));
  return {
    daemonReload: () => systemctl("daemon-reload"),
    status: async (unit) =>
      parseUnitStatus(
        await mustRun(run, "systemctl", ["show", `--property=${SHOW_PROPERTIES.join(",")}`, unit]),
      ),
    enable: (unit) => systemctl("enable", "--quiet", unit),
    disable: (unit) => systemctl("disable", "--quiet", unit),
    start: (unit) => systemctl("start", unit),
    stop: (unit) => systemctl("stop", unit),
    restart: (unit) => systemctl("restart", unit),
    reload: (unit) => systemctl("reload", unit),
    recentLog: async (unit, lines) =>
      (await run("journalctl", ["--unit", unit, "--lines", String(lines), "--no-pager", "--output", "cat"]))
        .stdout,
  };
}

// System users and groups over the command-runner port and HostFiles (see host.ts): read from the
// host's /etc/passwd and /etc/group, created with useradd and groupadd.
import type { CommandRunner, HostFiles, HostUsers, UserInfo } from "../host.js";
import { mustRun } from "./mustRun.js";

/** colon-separated lines of passwd(5) or group(5), pure. */
export function parseColonTable(text: string): string[][] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(":"));
}

/** A user's primary and supplementary groups from passwd and group tables; pure. */
export function userFromTables(name: string, passwd: string[][], groups: string[][]): UserInfo | undefined {
  const entry = passwd.find((fields) => fields[0] === name);
  if (!entry) return undefined;
  const primary = groups.find((g) => g[2] === entry[3])?.[0] ?? String(entry[3]);
  const supplementary = groups
    .filter((g) => (g[3] ?? "").split(",").includes(name))
    .map((g) => g[0] ?? "")
    .sort();
  return { name, group: primary, supplementaryGroups: supplementary };
}

export function systemUsers(run: CommandRunner, files: HostFiles): HostUsers {
  const table = async (path: string) => parseColonTable((await files.read(path))?.toString("utf8") ?? "");
  const users: HostUsers = {
    async user(name) {
      return userFromTables(name, await table("/etc/passwd"), await table("/etc/group"));
    },
    async groupExists(name) {
      return (await table("/etc/group")).some((g) => g[0] === name);
    },
    async createSystemUser(name, group, supplementaryGroups) {
      if (!(await users.groupExists(group))) await mustRun(run, "groupadd", ["--system", group]);
      const nologin = (await files.stat("/usr/sbin/nologin")) ? "/usr/sbin/nologin" : "/sbin/nologin";
      await mustRun(run, "useradd", [
        "--system",
        "--no-create-home",
        "--home-dir",
        "/nonexistent",
        "--shell",
        nologin,
        "--gid",
        group,
        ...(supplementaryGroups.length ? ["--groups", supplementaryGroups.join(",")] : []),
        name,
      ]);
    },
    async addToGroups(name, groups) {
      await mustRun(run, "usermod", ["--append", "--groups", groups.join(","), name]);
    },
  };
  return users;
}

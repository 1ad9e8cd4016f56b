// RPM packages (dnf or yum) over the command-runner port and HostFiles (see host.ts).
import type { PackageRepository } from "../../render/desiredState.js";
import type { CommandRunner, HostFiles, HostPackages } from "../host.js";
import { mustRun } from "./mustRun.js";

export class DnfPackages implements HostPackages {
  constructor(
    readonly manager: "dnf" | "yum",
    private readonly run: CommandRunner,
    private readonly files: HostFiles,
  ) {}

  async installedVersion(name: string): Promise<string | undefined> {
    const result = await this.run("rpm", ["-q", "--qf", "%{VERSION}", name]);
    return result.status === 0 ? result.stdout.trim() : undefined;
  }

  async candidateVersion(name: string): Promise<string | undefined> {
    const query = ["--latest-limit=1", "--qf", "%{version}", name];
    const result =
      this.manager === "dnf"
        ? await this.run("dnf", ["repoquery", ...query])
        : await this.run("repoquery", query);
    const version = result.stdout.trim().split("\n").pop();
    return result.status === 0 && version ? version : undefined;
  }

  refresh(): Promise<void> {
    // dnf and yum fetch their metadata themselves when it is stale.
    return Promise.resolve();
  }

  async install(names: readonly string[]): Promise<void> {
    // RPM scriptlets do not start services; nothing to hold back. dnf waits for rpm's lock itself.
    await mustRun(this.run, this.manager, ["install", "-y", ...names]);
  }

  async hasRepository(repository: PackageRepository): Promise<boolean> {
    const dnf = repository.dnf;
    if (!dnf) return true;
    return (await this.files.read(dnf.repoPath))?.toString("utf8") === dnf.repoFile;
  }

  async addRepository(repository: PackageRepository): Promise<void> {
    const dnf = repository.dnf;
    if (!dnf) return;
    await this.files.write(dnf.repoPath, dnf.repoFile, { mode: 0o644, owner: "root", group: "root" });
  }
}

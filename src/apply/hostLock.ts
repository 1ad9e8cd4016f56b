// One apply at a time on a host, whoever runs it: a directory created atomically on the host
// itself (mkdir fails when it exists), holding who took it. Works the same on this machine and
// over SSH; a lock left by a killed run on this machine is taken over, one left by another
// machine is named so a person can decide.
import { hostname } from "node:os";
import { UserError } from "../config/configError.js";
import type { Host } from "../host/host.js";
import { processAlive } from "../lib/pidLock.js";

export const APPLY_LOCK_DIR = "/var/lib/stackmon/apply.lock.d";

interface LockOwner {
  readonly machine: string;
  readonly pid: number;
  readonly since: string;
}

function parseOwner(text: string | undefined): LockOwner | undefined {
  const [machine, pid, since] = (text ?? "").trim().split(" ");
  const number = Number(pid);
  if (!machine || !Number.isInteger(number) || number <= 0 || !since) return undefined;
  return { machine, pid: number, since };
}

async function readOwner(host: Host, ownerFile: string): Promise<LockOwner | undefined> {
  return parseOwner((await host.files.read(ownerFile))?.toString("utf8"));
}

/** Takes the host's apply lock or says who holds it; returns its release. */
export async function acquireHostLock(
  host: Host,
  now: () => Date = () => new Date(),
): Promise<() => Promise<void>> {
  const dir = host.files.commandPath(APPLY_LOCK_DIR);
  const ownerFile = `${APPLY_LOCK_DIR}/owner`;
  const me: LockOwner = { machine: hostname(), pid: process.pid, since: now().toISOString() };
  await host.files.ensureDirectory("/var/lib/stackmon", { mode: 0o755, owner: "root", group: "root" });
  for (let attempt = 0; attempt < 2; attempt++) {
    const made = await host.commands.run("mkdir", ["-m", "0700", dir]);
    if (made.status === 0) {
      await host.files.write(ownerFile, `${me.machine} ${me.pid} ${me.since}\n`, {
        mode: 0o600,
        owner: "root",
        group: "root",
      });
      return async () => {
        const owner = await readOwner(host, ownerFile);
        if (owner?.machine === me.machine && owner.pid === me.pid)
          await host.files.removeTree(APPLY_LOCK_DIR);
      };
    }
    const owner = await readOwner(host, ownerFile);
    // Taken over only when provably dead: a run of this machine whose process is gone.
    const stale = owner !== undefined && owner.machine === me.machine && !processAlive(owner.pid);
    if (!stale) {
      throw new UserError(
        owner
          ? `another stackmon apply holds ${host.description} (pid ${owner.pid} on ${owner.machine}, since ${owner.since})`
          : `another stackmon apply holds ${host.description} (${APPLY_LOCK_DIR} exists)`,
        { hint: `wait for it to finish; if none is running, remove ${APPLY_LOCK_DIR} on that host` },
      );
    }
    await host.files.removeTree(APPLY_LOCK_DIR);
  }
  throw new UserError(`another stackmon apply took ${host.description} at the same moment`, {
    hint: "run apply again",
  });
}

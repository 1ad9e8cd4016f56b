// HostFiles on a real filesystem, under a root prefix: "" for this machine, DIR for `--root DIR`.
// Owners are names, looked up in the machine's own /etc/passwd and /etc/group.
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  fchmodSync,
  fchownSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { processAlive } from "../lib/pidLock.js";
import type { HostFiles, Ownership, PathStat } from "./host.js";

interface IdTable {
  readonly byName: Map<string, number>;
  readonly byId: Map<number, string>;
}

function readIdTable(file: string): IdTable {
  const byName = new Map<string, number>();
  const byId = new Map<number, string>();
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    // No table: only numeric ids are known.
  }
  for (const line of text.split("\n")) {
    const [name, , id] = line.split(":");
    if (!name || id === undefined || !/^\d+$/.test(id)) continue;
    byName.set(name, Number(id));
    if (!byId.has(Number(id))) byId.set(Number(id), name);
  }
  return { byName, byId };
}

/** Name ↔ id lookups, re-read when a name is unknown (apply creates users as it goes). */
class IdNames {
  private table: IdTable | undefined;
  constructor(private readonly file: string) {}

  private current(): IdTable {
    this.table ??= readIdTable(this.file);
    return this.table;
  }

  idOf(name: string): number {
    let id = this.current().byName.get(name);
    if (id === undefined) {
      this.table = readIdTable(this.file);
      id = this.table.byName.get(name);
    }
    if (id === undefined) throw new Error(`no such user or group on this machine: ${name}`);
    return id;
  }

  nameOf(id: number): string {
    return this.current().byId.get(id) ?? String(id);
  }
}

/**
 * The missing parents of `path`, each 0755 whatever the umask: mkdirSync's recursive mode would
 * give them the leaf's mode (0750 on /etc/stackmon would shut services out of their own config).
 */
function makeParents(path: string): void {
  const missing: string[] = [];
  for (let dir = dirname(path); !existsSync(dir); dir = dirname(dir)) missing.unshift(dir);
  for (const dir of missing) {
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
  }
}

/** Temporary files named `prefix<pid>-…` of processes that are gone (or of older versions). */
function removeLeftovers(dir: string, prefix: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(entry.slice(prefix.length))?.[1]);
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) continue;
    rmSync(join(dir, entry), { force: true });
  }
}

export class DiskFiles implements HostFiles {
  private readonly users = new IdNames("/etc/passwd");
  private readonly groups = new IdNames("/etc/group");

  /**
   * @param root prefix every path is laid under ("" for this machine)
   * @param managesOwnership chown to the desired owner (needs root and the users to exist)
   */
  constructor(
    private readonly root: string,
    readonly managesOwnership: boolean,
  ) {}

  private real(path: string): string {
    return this.root === "" ? path : join(this.root, path);
  }

  commandPath(path: string): string {
    return this.real(path);
  }

  read(path: string): Promise<Buffer | undefined> {
    try {
      return Promise.resolve(readFileSync(this.real(path)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return Promise.resolve(undefined);
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  stat(path: string): Promise<PathStat | undefined> {
    try {
      const s = lstatSync(this.real(path));
      const kind = s.isFile()
        ? "file"
        : s.isDirectory()
          ? "directory"
          : s.isSymbolicLink()
            ? "symlink"
            : "other";
      return Promise.resolve({
        kind,
        mode: s.mode & 0o7777,
        owner: this.users.nameOf(s.uid),
        group: this.groups.nameOf(s.gid),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return Promise.resolve(undefined);
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  write(path: string, content: string | Uint8Array, ownership: Ownership): Promise<void> {
    const target = this.real(path);
    makeParents(target);
    // Unique per write and named after its process: a temporary file a killed run left beside
    // the target (with secrets, maybe) is removed the next time the target is written.
    const prefix = `.${basename(target)}.stackmon-`;
    removeLeftovers(dirname(target), prefix);
    const temp = join(dirname(target), `${prefix}${process.pid}-${randomBytes(4).toString("hex")}`);
    const fd = openSync(temp, "wx", 0o600);
    try {
      writeSync(fd, typeof content === "string" ? Buffer.from(content) : content);
      fsyncSync(fd);
      // Owner and mode are right before the name appears: no moment with the wrong access.
      if (this.managesOwnership)
        fchownSync(fd, this.users.idOf(ownership.owner), this.groups.idOf(ownership.group));
      fchmodSync(fd, ownership.mode);
    } catch (error) {
      closeSync(fd);
      rmSync(temp, { force: true });
      throw error;
    }
    closeSync(fd);
    renameSync(temp, target);
    const dirFd = openSync(dirname(target), "r");
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
    return Promise.resolve();
  }

  ensureDirectory(path: string, ownership: Ownership): Promise<void> {
    makeParents(this.real(path));
    mkdirSync(this.real(path), { recursive: true, mode: ownership.mode });
    return this.setOwnership(path, ownership);
  }

  setOwnership(path: string, ownership: Ownership): Promise<void> {
    const target = this.real(path);
    if (this.managesOwnership)
      chownSync(target, this.users.idOf(ownership.owner), this.groups.idOf(ownership.group));
    chmodSync(target, ownership.mode);
    return Promise.resolve();
  }

  remove(path: string): Promise<void> {
    rmSync(this.real(path), { force: true });
    return Promise.resolve();
  }

  makeStagingDirectory(): Promise<string> {
    const base = "/var/lib/stackmon/staging";
    mkdirSync(this.real(base), { recursive: true, mode: 0o700 });
    chmodSync(this.real(base), 0o700);
    // Candidates (secrets among them) left by a run that was killed: its pid is gone.
    for (const entry of readdirSync(this.real(base))) {
      const pid = Number(entry.split("-")[0]);
      if (Number.isInteger(pid) && pid > 0 && !processAlive(pid))
        rmSync(this.real(`${base}/${entry}`), { recursive: true, force: true });
    }
    const path = `${base}/${process.pid}-${randomBytes(4).toString("hex")}`;
    mkdirSync(this.real(path), { mode: 0o700 });
    return Promise.resolve(path);
  }

  removeTree(path: string): Promise<void> {
    rmSync(this.real(path), { recursive: true, force: true });
    return Promise.resolve();
  }
}

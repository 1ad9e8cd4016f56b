// HostFiles on a machine reached only through commands (SSH): each operation is one small sh
// script with the paths as its arguments, never spliced into the script. Needs sh and the
// coreutils every systemd distribution has (stat -c, mktemp, sync FILE).
import { UserError } from "../../config/configError.js";
import { formatMode, type HostFiles, type Ownership, type PathStat } from "../host.js";
import type { RawCommandResult, RawCommandRunner, RawRunOptions } from "../runCommand.js";

/** The exit status the scripts use for "no such path" (cat, stat and chmod never exit with it). */
const MISSING = 44;
const STAGING_BASE = "/var/lib/stackmon/staging";

const SCRIPTS = {
  read: `[ -e "$1" ] || exit ${MISSING}; exec cat -- "$1"`,
  stat: `[ -e "$1" ] || [ -L "$1" ] || exit ${MISSING}; exec stat -c '%f %u %g %U %G' -- "$1"`,
  // The new content goes to a temporary file next to the target, gets its owner and mode, reaches
  // the disk, and only then takes the target's name: readers see the old file or the new one.
  write: `set -e
target=$1 owner=$2 mode=$3
if [ -d "$target" ] && [ ! -L "$target" ]; then echo "$target is a directory" >&2; exit 1; fi
dir=$(dirname -- "$target")
mkdir -p -- "$dir"
tmp=$(mktemp -- "$dir/.$(basename -- "$target").stackmon-XXXXXXXX")
trap 'rm -f -- "$tmp"' EXIT
cat > "$tmp"
chown -- "$owner" "$tmp"
chmod -- "$mode" "$tmp"
sync -- "$tmp"
mv -f -- "$tmp" "$target"
trap - EXIT
sync -- "$dir"`,
  // Created with its final mode, so a private directory is never briefly open to others.
  ensureDirectory: `set -e; mkdir -p -m "$3" -- "$1"; chown -- "$2" "$1"; chmod -- "$3" "$1"`,
  setOwnership: `set -e; chown -- "$2" "$1"; chmod -- "$3" "$1"`,
  remove: `exec rm -f -- "$1"`,
  removeTree: `exec rm -rf -- "$1"`,
  // Candidates (secrets among them) left by a run that was killed a day or more ago go first.
  makeStagingDirectory: `set -e
mkdir -p -m 0700 -- "$1"; chmod 0700 -- "$1"
find "$1" -mindepth 1 -maxdepth 1 -mtime +0 -exec rm -rf -- {} +
exec mktemp -d -- "$1/run-XXXXXXXX"`,
} as const;

/** `stat -c '%f %u %g %U %G'`: raw mode in hex, ids, names ("UNKNOWN" when an id has none). */
export function parseStat(line: string): PathStat {
  const [rawMode, uid, gid, user, group] = line.trim().split(" ");
  const mode = Number.parseInt(rawMode ?? "", 16);
  if (!Number.isInteger(mode) || uid === undefined || gid === undefined)
    throw new Error(`unexpected stat output: ${JSON.stringify(line)}`);
  const type = mode & 0o170000;
  const kind =
    type === 0o100000 ? "file" : type === 0o040000 ? "directory" : type === 0o120000 ? "symlink" : "other";
  return {
    kind,
    mode: mode & 0o7777,
    owner: user && user !== "UNKNOWN" ? user : uid,
    group: group && group !== "UNKNOWN" ? group : gid,
  };
}

function absolute(path: string): string {
  if (!path.startsWith("/")) throw new Error(`not an absolute path: ${JSON.stringify(path)}`);
  return path;
}

/** A script's arguments: the path, "owner:group" and the mode in octal. */
function withOwnership(path: string, ownership: Ownership): [string, string, string] {
  return [absolute(path), `${ownership.owner}:${ownership.group}`, formatMode(ownership.mode)];
}

export class ShellFiles implements HostFiles {
  readonly managesOwnership = true;

  /**
   * @param hostName names the host in errors
   * @param stagingBase where candidate files are staged (a test points it elsewhere)
   */
  constructor(
    private readonly run: RawCommandRunner,
    private readonly hostName: string,
    private readonly stagingBase = STAGING_BASE,
  ) {}

  private script(
    name: keyof typeof SCRIPTS,
    args: readonly string[],
    options: RawRunOptions = {},
  ): Promise<RawCommandResult> {
    return this.run("sh", ["-c", SCRIPTS[name], `stackmon-${name}`, ...args], options);
  }

  private failed(what: string, path: string, result: RawCommandResult): UserError {
    const said = result.stderr.trim() || `exit ${result.status}`;
    return new UserError(`${this.hostName}: cannot ${what} ${path}: ${said}`);
  }

  private async mustRun(
    name: keyof typeof SCRIPTS,
    what: string,
    args: [string, ...string[]],
  ): Promise<string> {
    const result = await this.script(name, args);
    if (result.status !== 0) throw this.failed(what, args[0], result);
    return result.stdout.toString();
  }

  async read(path: string): Promise<Buffer | undefined> {
    const result = await this.script("read", [absolute(path)]);
    if (result.status === MISSING) return undefined;
    if (result.status !== 0) throw this.failed("read", path, result);
    return result.stdout;
  }

  async stat(path: string): Promise<PathStat | undefined> {
    const result = await this.script("stat", [absolute(path)]);
    if (result.status === MISSING) return undefined;
    if (result.status !== 0) throw this.failed("stat", path, result);
    return parseStat(result.stdout.toString());
  }

  async write(path: string, content: string | Uint8Array, ownership: Ownership): Promise<void> {
    // The content travels on stdin: a secret never appears in a command line.
    const result = await this.script("write", withOwnership(path, ownership), { input: content });
    if (result.status !== 0) throw this.failed("write", path, result);
  }

  async ensureDirectory(path: string, ownership: Ownership): Promise<void> {
    await this.mustRun("ensureDirectory", "create the directory", withOwnership(path, ownership));
  }

  async setOwnership(path: string, ownership: Ownership): Promise<void> {
    await this.mustRun("setOwnership", "set owner and mode of", withOwnership(path, ownership));
  }

  async remove(path: string): Promise<void> {
    await this.mustRun("remove", "remove", [absolute(path)]);
  }

  async makeStagingDirectory(): Promise<string> {
    return (
      await this.mustRun("makeStagingDirectory", "make a staging directory in", [this.stagingBase])
    ).trim();
  }

  async removeTree(path: string): Promise<void> {
    await this.mustRun("removeTree", "remove", [absolute(path)]);
  }

  commandPath(path: string): string {
    return path;
  }
}

// A process's CPU time, resident memory and start, read from /proc/<pid>/stat: what PM2 itself
// computes its `monit` figures from (pidusage's lib/procfile.js reads the same file), at the cost
// of one small read per process instead of a round trip through the daemon. Linux only; where
// /proc cannot be read the exporter uses the daemon's figures.
import { closeSync, openSync, readFileSync, readSync } from "node:fs";

/**
 * /proc reports times in USER_HZ, which the kernel fixes at 100 on every architecture Node.js runs
 * on (unlike the kernel's own HZ); pidusage asks `getconf CLK_TCK` and gets the same 100.
 */
const USER_HZ = 100;

export interface ProcSample {
  /** User plus system CPU time of the process, in seconds (children not included, as in PM2). */
  readonly cpuSeconds: number;
  readonly rssBytes: number;
  /** When it started, in clock ticks since boot: a pid reused by another process differs here. */
  readonly startTicks: number;
}

/** What a read of /proc/<pid>/stat can tell. */
export type ProcReading = ProcSample | "gone" | "unreadable";

/**
 * The fields of a stat line. The command name (field 2) is in parentheses and may itself hold
 * spaces and parentheses, so fields are counted from the last ")" (as pidusage and procps do).
 */
export function parseProcStat(line: string, pageSize: number): ProcSample | undefined {
  const close = line.lastIndexOf(")");
  if (close < 0) return undefined;
  // After ") ": field 3 (state) is index 0, so field n is index n - 3.
  const fields = line.slice(close + 2).split(" ");
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  const startTicks = Number(fields[22 - 3]);
  const rssPages = Number(fields[24 - 3]);
  if (![utime, stime, startTicks, rssPages].every(Number.isFinite)) return undefined;
  return { cpuSeconds: (utime + stime) / USER_HZ, rssBytes: rssPages * pageSize, startTicks };
}

/**
 * The page size, from this process's own resident set as Node.js reports it in bytes and /proc in
 * pages (Node offers no sysconf). Rounded to a power of two: both are read within microseconds.
 */
export function detectPageSize(): number {
  try {
    const pages = Number(readFileSync("/proc/self/statm", "utf8").split(" ")[1]);
    const ratio = process.memoryUsage.rss() / pages;
    if (Number.isFinite(ratio) && ratio > 0) return 2 ** Math.round(Math.log2(ratio));
  } catch {
    // Not Linux: no samples will be read anyway.
  }
  return 4096;
}

/** More open files than this and the rest are opened at each read (the exporter's own limit is 1024). */
const MAX_KEPT_FILES = 512;

/**
 * Reads /proc/<pid>/stat, keeping each file open between reads as pidusage does: one pread per
 * process and scrape instead of open, read and close (a quarter of the CPU). A kept file stays
 * bound to its process: once that process ends, reading it fails (ESRCH) even if the pid is reused.
 */
export class ProcReader {
  private readonly files = new Map<number, number>();
  private readonly buffer = Buffer.allocUnsafe(4096);

  constructor(private readonly pageSize = detectPageSize()) {}

  read(pid: number): ProcReading {
    let line: string;
    try {
      line = this.readLine(pid);
    } catch (error) {
      this.forget(pid);
      const code = (error as NodeJS.ErrnoException).code;
      return code === "ENOENT" || code === "ESRCH" ? "gone" : "unreadable";
    }
    return parseProcStat(line, this.pageSize) ?? "unreadable";
  }

  /** Closes the files of every process but these. */
  release(keep: ReadonlySet<number>): void {
    for (const pid of this.files.keys()) if (!keep.has(pid)) this.forget(pid);
  }

  private readLine(pid: number): string {
    let fd = this.files.get(pid);
    if (fd === undefined) {
      if (this.files.size >= MAX_KEPT_FILES) return readFileSync(`/proc/${pid}/stat`, "latin1");
      fd = openSync(`/proc/${pid}/stat`, "r");
      this.files.set(pid, fd);
    }
    const length = readSync(fd, this.buffer, 0, this.buffer.length, 0);
    return this.buffer.toString("latin1", 0, length);
  }

  private forget(pid: number): void {
    const fd = this.files.get(pid);
    if (fd === undefined) return;
    this.files.delete(pid);
    try {
      closeSync(fd);
    } catch {
      // Closed already.
    }
  }
}

/** What the collector watches between two answers of the daemon: its processes and itself. */
export interface ProcessProbe {
  /** The daemon's pid, as PM2_HOME/pm2.pid says (undefined when there is none to read). */
  daemonPid(): number | undefined;
  read(pid: number): ProcReading;
  /** Lets go of what was kept for processes no longer watched. */
  release(keep: ReadonlySet<number>): void;
}

/** The processes from /proc, and the daemon from PM2_HOME/pm2.pid. */
export class Pm2HomeProbe extends ProcReader implements ProcessProbe {
  constructor(private readonly pm2Home: string) {
    super();
  }

  daemonPid(): number | undefined {
    try {
      const pid = Number(readFileSync(`${this.pm2Home}/pm2.pid`, "latin1").trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }
}

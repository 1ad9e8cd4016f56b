// A process's CPU time, resident memory and start, read from /proc/<pid>/stat: what PM2 itself
// computes its `monit` figures from (pidusage's lib/procfile.js reads the same file), at the cost
// of one small read per process instead of a round trip through the daemon. Linux only; where
// /proc cannot be read the exporter uses the daemon's figures.
import { readFileSync } from "node:fs";

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

export class ProcReader {
  constructor(private readonly pageSize = detectPageSize()) {}

  read(pid: number): ProcReading {
    let line: string;
    try {
      line = readFileSync(`/proc/${pid}/stat`, "latin1");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === "ENOENT" || code === "ESRCH" ? "gone" : "unreadable";
    }
    return parseProcStat(line, this.pageSize) ?? "unreadable";
  }
}

/** What the collector watches between two answers of the daemon: its processes and itself. */
export interface ProcessProbe {
  /** The daemon's pid, as PM2_HOME/pm2.pid says (undefined when there is none to read). */
  daemonPid(): number | undefined;
  read(pid: number): ProcReading;
}

export class Pm2HomeProbe implements ProcessProbe {
  private readonly reader = new ProcReader();

  constructor(private readonly pm2Home: string) {}

  daemonPid(): number | undefined {
    try {
      const pid = Number(readFileSync(`${this.pm2Home}/pm2.pid`, "latin1").trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  read(pid: number): ProcReading {
    return this.reader.read(pid);
  }
}

// Collection driven by scrapes, in two layers. The daemon's process list (names, statuses,
// restarts, @pm2/io metrics) is the expensive part: PM2 sends every process's whole environment
// with it. Between two lists, a scrape reads each online process's /proc/<pid>/stat for CPU and
// memory, which also shows when a process ended or was replaced, or the daemon itself: then the
// list is wrong and the scrape asks the daemon again and waits for the answer. A list that is
// merely older than the list age is renewed in the background, so that scrape does not wait.
// One request to the daemon is in flight at a time, each bounded by the timeout; scrapes within
// the minimum age of the last one (a second Prometheus) share it.
import type { Logger } from "../../lib/log.js";
import { parsePm2List, type ParseOptions, type Pm2Process, type Pm2Snapshot } from "./parsePm2List.js";
import type { ProcessProbe, ProcSample } from "./procStat.js";

export interface Pm2Source {
  /** The daemon's raw process list; rejects within `timeoutMs` (with Pm2Timeout when it is slow). */
  list(timeoutMs: number): Promise<unknown>;
  close(): void;
}

/** The daemon was reached but did not answer in time: busy or hung, not gone. */
export class Pm2Timeout extends Error {}

export interface CollectorStatus {
  /** The processes served, with the latest CPU and memory; undefined when none are worth serving. */
  readonly snapshot: Pm2Snapshot | undefined;
  readonly daemonUp: boolean;
  /** When the daemon's list behind the served snapshot was collected (Unix seconds). */
  readonly lastSuccessTime: number | undefined;
  readonly lastDurationSeconds: number | undefined;
  /** Requests to the daemon, and those that failed. */
  readonly collections: number;
  readonly errors: number;
  /** Changes with every scrape served afresh, for caching what is derived from it. */
  readonly version: number;
  /** Changes with every answer (or failure) of the daemon: what comes from the list is the same until then. */
  readonly listVersion: number;
}

export interface CollectorOptions extends ParseOptions {
  /** A scrape within this long of the last one's start is served what that one was. */
  readonly minAgeMs: number;
  /** A list older than this is renewed (in the background) by the next scrape. */
  readonly listMaxAgeMs: number;
  readonly timeoutMs: number;
  /** How long a slow daemon's last snapshot is still served; after that its series are dropped. */
  readonly staleLimitMs: number;
  readonly logger: Logger;
  /**
   * Reads the processes and the daemon between lists. Without one (or where /proc cannot be
   * read) every scrape older than the minimum age asks the daemon.
   */
  readonly probe?: ProcessProbe;
  /** A monotonic clock in milliseconds; tests pass their own. */
  readonly now?: () => number;
}

/** The daemon's last good answer, and what was seen of it since. */
interface ListState {
  readonly snapshot: Pm2Snapshot;
  /** When it was asked for (monotonic ms). */
  readonly takenAt: number;
  /** The daemon that answered, by pid and start; a different one means a different list. */
  readonly daemon: { readonly pid: number; readonly startTicks: number } | undefined;
  /** Each online process's start, from the first sample after the list: a pid reused differs. */
  readonly starts: Map<number, number>;
}

/** One scrape's reading of the processes. */
interface Sampling {
  readonly samples: Map<number, ProcSample>;
  /** A process or the daemon ended or was replaced since the list: the list is wrong. */
  readonly changed: boolean;
  /** Some process could not be read (another user's, a hidden /proc): the daemon must tell. */
  readonly blind: boolean;
}

export class Pm2Collector {
  private state: CollectorStatus = {
    snapshot: undefined,
    daemonUp: false,
    lastSuccessTime: undefined,
    lastDurationSeconds: undefined,
    collections: 0,
    errors: 0,
    version: 0,
    listVersion: 0,
  };
  private list: ListState | undefined;
  private listInFlight: Promise<void> | undefined;
  /** Each sampled pid's last reading, for CPU percent over the time between two scrapes. */
  private previous = new Map<number, ProcSample & { readonly at: number }>();
  private lastStart: number | undefined;
  private inFlight: Promise<CollectorStatus> | undefined;
  private lastError = "";
  private readonly now: () => number;

  constructor(
    private readonly source: Pm2Source,
    private readonly options: CollectorOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
  }

  get status(): CollectorStatus {
    return this.state;
  }

  /**
   * What a scrape is served: the last one's while it is younger than the minimum age, otherwise
   * fresh figures (or the ones under way). Settles within the timeout whatever the daemon does.
   */
  current(): Promise<CollectorStatus> {
    if (this.inFlight) return this.inFlight;
    const now = this.now();
    if (this.lastStart !== undefined && now - this.lastStart < this.options.minAgeMs)
      return Promise.resolve(this.state);
    this.lastStart = now;
    this.inFlight = this.refresh(now).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Waits for a list request under way (tests, and a clean stop). */
  async settled(): Promise<void> {
    await this.listInFlight;
  }

  stop(): void {
    this.source.close();
  }

  private async refresh(now: number): Promise<CollectorStatus> {
    const probe = this.options.probe;
    const list = this.list;
    if (!probe || !list) {
      await this.collectList();
      return this.publish(probe && this.list ? this.sample(probe, this.list) : undefined, now);
    }
    const sampling = this.sample(probe, list);
    if (sampling.changed || sampling.blind) {
      await this.collectList();
      return this.publish(this.list ? this.sample(probe, this.list) : undefined, now);
    }
    if (now - list.takenAt >= this.options.listMaxAgeMs) void this.collectList();
    return this.publish(sampling, now);
  }

  /** Reads every online process of the list, and the daemon, from /proc. */
  private sample(probe: ProcessProbe, list: ListState): Sampling {
    const samples = new Map<number, ProcSample>();
    let changed = !sameDaemon(probe, list.daemon);
    let blind = false;
    for (const process of list.snapshot.processes) {
      if (process.status !== "online" || process.pid === undefined) continue;
      const reading = probe.read(process.pid);
      if (reading === "unreadable") blind = true;
      else if (reading === "gone") changed = true;
      else {
        const start = list.starts.get(process.pid);
        if (start === undefined) list.starts.set(process.pid, reading.startTicks);
        if (start !== undefined && start !== reading.startTicks) changed = true;
        else samples.set(process.pid, reading);
      }
    }
    probe.release(new Set([...samples.keys(), ...(list.daemon ? [list.daemon.pid] : [])]));
    return { samples, changed, blind };
  }

  /** The list's processes with CPU and memory from this scrape's samples, where there are some. */
  private publish(sampling: Sampling | undefined, now: number): CollectorStatus {
    const list = this.list;
    const previous = this.previous;
    this.previous = new Map();
    const processes = list?.snapshot.processes.map((process) => {
      const sample = process.pid !== undefined ? sampling?.samples.get(process.pid) : undefined;
      if (!sample || process.pid === undefined) return process;
      this.previous.set(process.pid, { ...sample, at: now });
      return withSample(process, sample, cpuPercentSince(previous.get(process.pid), sample, now));
    });
    this.state = {
      ...this.state,
      snapshot: list && processes ? { ...list.snapshot, processes } : undefined,
      version: this.state.version + 1,
    };
    return this.state;
  }

  /** Asks the daemon for its list, once at a time; never rejects. */
  private collectList(): Promise<void> {
    this.listInFlight ??= this.askDaemon().finally(() => (this.listInFlight = undefined));
    return this.listInFlight;
  }

  private async askDaemon(): Promise<void> {
    const startedAt = this.now();
    const wallStart = Date.now() / 1000;
    const probe = this.options.probe;
    // Which daemon answers is read before asking: a daemon replaced meanwhile then reads as a change.
    const daemon = probe ? daemonOf(probe) : undefined;
    // Every request counts, answered or not, and changes what comes from the list.
    const counted = () => ({
      lastDurationSeconds: (this.now() - startedAt) / 1000,
      collections: this.state.collections + 1,
      listVersion: this.state.listVersion + 1,
    });
    try {
      const snapshot = parsePm2List(await this.listWithin(this.options.timeoutMs), this.options);
      this.onSuccess(snapshot);
      this.list = { snapshot, takenAt: startedAt, daemon, starts: new Map() };
      this.state = { ...this.state, ...counted(), daemonUp: true, lastSuccessTime: wallStart };
    } catch (error) {
      this.onError(error as Error);
      // A slow daemon's last answer is still the best there is, for a while; a daemon that is gone
      // took its processes with it, so their last values would be lies.
      const keep =
        error instanceof Pm2Timeout &&
        this.list !== undefined &&
        startedAt - this.list.takenAt < this.options.staleLimitMs;
      if (!keep) this.list = undefined;
      this.state = {
        ...this.state,
        ...counted(),
        lastSuccessTime: keep ? this.state.lastSuccessTime : undefined,
        daemonUp: false,
        errors: this.state.errors + 1,
      };
    }
  }

  /** The source's answer, or Pm2Timeout once the timeout has passed, whichever comes first. */
  private listWithin(timeoutMs: number): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Pm2Timeout(`PM2 did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    return Promise.race([this.source.list(timeoutMs), deadline]).finally(() => clearTimeout(timer));
  }

  private onSuccess(snapshot: Pm2Snapshot): void {
    if (!this.state.daemonUp)
      this.options.logger.info("PM2 daemon reachable", { processes: snapshot.processes.length });
    if (snapshot.skipped > 0)
      this.options.logger.debug("skipped unusable process entries", { count: snapshot.skipped });
    this.lastError = "";
  }

  private onError(error: Error): void {
    const message = error.message;
    // One line per outage, not one per collection; a daemon coming back up passes through
    // several errors (refused, then timed out), which are only worth a debug line.
    if (this.lastError === "") this.options.logger.warn("cannot collect from PM2", { err: message });
    else if (message !== this.lastError)
      this.options.logger.debug("still cannot collect from PM2", { err: message });
    this.lastError = message;
  }
}

function daemonOf(probe: ProcessProbe): ListState["daemon"] {
  const pid = probe.daemonPid();
  const reading = pid === undefined ? "gone" : probe.read(pid);
  return pid !== undefined && typeof reading === "object"
    ? { pid, startTicks: reading.startTicks }
    : undefined;
}

/** Whether the daemon that gave the list still runs (an unknown one counts as the same). */
function sameDaemon(probe: ProcessProbe, daemon: ListState["daemon"]): boolean {
  if (!daemon) return true;
  if (probe.daemonPid() !== daemon.pid) return false;
  const reading = probe.read(daemon.pid);
  return reading === "unreadable" || (reading !== "gone" && reading.startTicks === daemon.startTicks);
}

/** CPU use between two readings of the same process, in percent of one core. */
function cpuPercentSince(
  before: (ProcSample & { readonly at: number }) | undefined,
  now: ProcSample,
  at: number,
): number | undefined {
  if (!before || before.startTicks !== now.startTicks || at <= before.at) return undefined;
  return Math.max(0, ((now.cpuSeconds - before.cpuSeconds) / ((at - before.at) / 1000)) * 100);
}

function withSample(process: Pm2Process, sample: ProcSample, cpuPercent: number | undefined): Pm2Process {
  return {
    ...process,
    // The first reading has nothing to compare with: PM2's own figure stands until the next.
    ...(cpuPercent !== undefined ? { cpuPercent } : {}),
    cpuSeconds: sample.cpuSeconds,
    memoryBytes: sample.rssBytes,
  };
}

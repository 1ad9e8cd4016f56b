// Collection driven by scrapes: the daemon is asked only when a scrape needs data fresher than
// the minimum age, one request at a time, each bounded by the timeout. Scrapes arriving meanwhile
// (a second Prometheus) share that request; a scrape never waits longer than the timeout.
import type { Logger } from "../../lib/log.js";
import { parsePm2List, type ParseOptions, type Pm2Snapshot } from "./parsePm2List.js";

export interface Pm2Source {
  /** The daemon's raw process list; rejects within `timeoutMs` (with Pm2Timeout when it is slow). */
  list(timeoutMs: number): Promise<unknown>;
  close(): void;
}

/** The daemon was reached but did not answer in time: busy or hung, not gone. */
export class Pm2Timeout extends Error {}

export interface CollectorStatus {
  /** The snapshot whose process series are served; undefined when there is none worth serving. */
  readonly snapshot: Pm2Snapshot | undefined;
  readonly daemonUp: boolean;
  /** When the served snapshot was collected (Unix seconds). */
  readonly lastSuccessTime: number | undefined;
  readonly lastDurationSeconds: number | undefined;
  readonly collections: number;
  readonly errors: number;
  /** Changes with every collection, for caching what is derived from it. */
  readonly version: number;
}

export interface CollectorOptions extends ParseOptions {
  /** A scrape within this long of the last collection's start is served that collection. */
  readonly minAgeMs: number;
  readonly timeoutMs: number;
  /** How long a slow daemon's last snapshot is still served; after that its series are dropped. */
  readonly staleLimitMs: number;
  readonly logger: Logger;
  /** A monotonic clock in milliseconds; tests pass their own. */
  readonly now?: () => number;
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
  };
  private lastStart: number | undefined;
  private snapshotTakenAt = 0;
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
   * What a scrape is served: the last collection while it is younger than the minimum age,
   * otherwise a new one (or the one under way). Settles within the timeout whatever the daemon does.
   */
  current(): Promise<CollectorStatus> {
    if (this.inFlight) return this.inFlight;
    const now = this.now();
    if (this.lastStart !== undefined && now - this.lastStart < this.options.minAgeMs)
      return Promise.resolve(this.state);
    this.lastStart = now;
    this.inFlight = this.collect(now).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  stop(): void {
    this.source.close();
  }

  private async collect(startedAt: number): Promise<CollectorStatus> {
    const wallStart = Date.now() / 1000;
    try {
      const snapshot = parsePm2List(await this.listWithin(this.options.timeoutMs), this.options);
      this.onSuccess(snapshot);
      this.snapshotTakenAt = startedAt;
      this.state = {
        ...this.state,
        snapshot,
        daemonUp: true,
        lastSuccessTime: wallStart,
        lastDurationSeconds: (this.now() - startedAt) / 1000,
        collections: this.state.collections + 1,
        version: this.state.version + 1,
      };
    } catch (error) {
      this.onError(error as Error);
      // A slow daemon's last answer is still the best there is, for a while; a daemon that is gone
      // took its processes with it, so their last values would be lies.
      const keep =
        error instanceof Pm2Timeout && startedAt - this.snapshotTakenAt < this.options.staleLimitMs;
      this.state = {
        ...this.state,
        snapshot: keep ? this.state.snapshot : undefined,
        lastSuccessTime: keep ? this.state.lastSuccessTime : undefined,
        daemonUp: false,
        lastDurationSeconds: (this.now() - startedAt) / 1000,
        collections: this.state.collections + 1,
        errors: this.state.errors + 1,
        version: this.state.version + 1,
      };
    }
    return this.state;
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

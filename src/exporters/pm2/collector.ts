// Asks the PM2 daemon on an interval; scrapes read the latest snapshot. One call at a time,
// each bounded by a timeout, so a slow or dead daemon never makes a scrape wait.
import type { Logger } from "../../lib/log.js";
import { parsePm2List, type Pm2Snapshot } from "./parsePm2List.js";

export interface Pm2Source {
  list(timeoutMs: number): Promise<unknown>;
  close(): void;
}

export interface CollectorStatus {
  /** The latest good snapshot; undefined while the daemon is unreachable. */
  readonly snapshot: Pm2Snapshot | undefined;
  readonly daemonUp: boolean;
  readonly lastSuccessTime: number | undefined;
  readonly lastDurationSeconds: number | undefined;
  readonly errors: number;
  /** Changes with every collection, for caching what is derived from it. */
  readonly version: number;
}

export class Pm2Collector {
  private state: CollectorStatus = {
    snapshot: undefined,
    daemonUp: false,
    lastSuccessTime: undefined,
    lastDurationSeconds: undefined,
    errors: 0,
    version: 0,
  };
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastError = "";

  constructor(
    private readonly source: Pm2Source,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  get status(): CollectorStatus {
    return this.state;
  }

  /** Collects once now, then every interval after each collection ends (never overlapping). */
  start(): Promise<void> {
    return this.loop();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.source.close();
  }

  private async loop(): Promise<void> {
    await this.collectOnce();
    if (!this.stopped) this.timer = setTimeout(() => void this.loop(), this.intervalMs);
  }

  async collectOnce(): Promise<void> {
    const started = performance.now();
    try {
      const snapshot = parsePm2List(await this.source.list(this.timeoutMs));
      if (!this.state.daemonUp)
        this.logger.info("PM2 daemon reachable", { processes: snapshot.processes.length });
      if (snapshot.skipped > 0)
        this.logger.debug("skipped unusable process entries", { count: snapshot.skipped });
      this.lastError = "";
      this.state = {
        ...this.state,
        snapshot,
        daemonUp: true,
        lastSuccessTime: Date.now() / 1000,
        lastDurationSeconds: (performance.now() - started) / 1000,
        version: this.state.version + 1,
      };
    } catch (error) {
      const message = (error as Error).message;
      // One line per outage, not one per interval; a daemon coming back up passes through
      // several errors (refused, then timed out), which are only worth a debug line.
      if (this.lastError === "") this.logger.warn("cannot collect from PM2", { err: message });
      else if (message !== this.lastError)
        this.logger.debug("still cannot collect from PM2", { err: message });
      this.lastError = message;
      this.state = {
        ...this.state,
        snapshot: undefined,
        daemonUp: false,
        lastDurationSeconds: (performance.now() - started) / 1000,
        errors: this.state.errors + 1,
        version: this.state.version + 1,
      };
    }
  }
}

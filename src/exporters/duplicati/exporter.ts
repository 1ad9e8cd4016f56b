// The Duplicati exporter assembled: state loaded from disk, reports applied and persisted,
// metrics served. Separate from main.ts so tests start it in-process.
import { mkdirSync, readFileSync } from "node:fs";
import type { Logger } from "../../lib/log.js";
import { startExporterServer, type ExporterServer } from "../../lib/web/exporterServer.js";
import type { WebConfig } from "../../lib/web/webConfig.js";
import type { DuplicatiExporterConfig } from "./exporterConfig.js";
import { createDuplicatiMetrics } from "./metrics.js";
import { BackupTable, boundedLabel, DEFAULT_LIMITS, type TableLimits } from "./backupTable.js";
import { reportRoute, type ReportOutcome } from "./receiver.js";
import type { BackupReport } from "./report.js";
import { DuplicatiServerClient, ServerPoller, type ServerStatus } from "./serverPoller.js";
import { StateStore } from "./stateStore.js";

export const VERSION = "0.1.0";

export interface DuplicatiExporterOptions {
  readonly listenAddress: string;
  readonly telemetryPath: string;
  readonly webConfig?: WebConfig;
  readonly token: string;
  readonly stateDir: string;
  readonly config: DuplicatiExporterConfig;
  readonly maxReportBytes: number;
  /** Backups tracked at most and the longest label value (default: DEFAULT_LIMITS). */
  readonly limits?: TableLimits;
  /** Connections served at once (default: the web layer's). */
  readonly maxConnections?: number;
  readonly logger: Logger;
  readonly now?: () => number;
  /** How long a request may take (default 10 s); tests shorten it. */
  readonly requestTimeoutMs?: number;
  /** How long one call to the Duplicati server may take (default 10 s). */
  readonly serverTimeoutMs?: number;
}

export interface DuplicatiExporter {
  readonly server: ExporterServer;
  readonly backups: BackupTable;
  close(): Promise<void>;
}

export async function startDuplicatiExporter(options: DuplicatiExporterOptions): Promise<DuplicatiExporter> {
  const now = options.now ?? (() => Date.now() / 1000);
  const limits = options.limits ?? DEFAULT_LIMITS;
  mkdirSync(options.stateDir, { recursive: true, mode: 0o750 });
  const store = new StateStore(options.stateDir, options.logger);
  let serverStatus: ServerStatus | undefined;
  const maxAges = new Map(
    options.config.backups.map((b) => [boundedLabel(b.name, limits.maxLabelLength), b.max_age]),
  );
  const metrics = createDuplicatiMetrics(
    {
      backups: () => table.values(),
      maxAgeSeconds: (name) => maxAges.get(name),
      now,
      serverStatus: () => serverStatus,
    },
    limits,
  );
  const { self } = metrics;
  const table = new BackupTable(limits, () => self.labelValuesRewritten.inc());
  let notLoaded = 0;
  for (const state of store.load()) if (!table.restore(state)) notLoaded++;
  if (notLoaded > 0)
    options.logger.warn("more backups on disk than --backups.max, some not loaded", {
      notLoaded,
      max: limits.maxBackups,
    });
  // Backups named in the config are known before their first report, so a backup that never
  // reports is visible (and stale) rather than absent.
  for (const backup of options.config.backups) table.watch(backup.name);
  let stateVersion = 0;
  let cached: { version: number; at: number; body: string } | undefined;
  const server = options.config.server;
  const poller = server
    ? new ServerPoller(
        new DuplicatiServerClient(
          server.url,
          () => readFileSync(server.password_file, "utf8").trim(),
          options.serverTimeoutMs,
        ),
        server.interval * 1000,
        (result) => {
          serverStatus = result.status;
          // Learnt again on every poll, so kept in memory only.
          if ("backups" in result) for (const backup of result.backups) table.applyServerBackup(backup);
          stateVersion++;
        },
        options.logger,
      )
    : undefined;

  const overLimit = onceAMinute(() =>
    options.logger.warn("report of a new backup dropped: --backups.max reached", { max: limits.maxBackups }),
  );
  const accept = async (report: BackupReport): Promise<ReportOutcome> => {
    const change = table.applyReport(report, now());
    if (change.outcome === "over-limit") overLimit();
    if (change.outcome !== "accepted") return change.outcome;
    stateVersion++;
    try {
      await Promise.all([
        store.save(change.state),
        ...(change.removedKey !== undefined ? [store.remove(change.removedKey)] : []),
      ]);
    } catch (error) {
      // The report still counts in memory; Prometheus sees the write failure.
      self.stateWriteErrors.inc();
      options.logger.error("could not persist state", { err: (error as Error).message });
    }
    return "accepted";
  };

  const httpServer = await startExporterServer({
    name: "stackmon Duplicati exporter",
    description: "Duplicati backup results, received from --send-http-* reports.",
    version: VERSION,
    listenAddress: options.listenAddress,
    telemetryPath: options.telemetryPath,
    ...(options.webConfig ? { webConfig: options.webConfig } : {}),
    metrics: async () => {
      // Thousands of backups make a large exposition; it only changes with a report, or with
      // time for `stale`, so it is rebuilt on a report and otherwise at most every 10 s.
      const at = Date.now();
      if (!cached || cached.version !== stateVersion || at - cached.at > 10_000) {
        cached = { version: stateVersion, at, body: await metrics.exposition() };
      }
      return { contentType: metrics.contentType, body: cached.body };
    },
    routes: [reportRoute({ token: options.token, accept, metrics: self, logger: options.logger })],
    maxBodyBytes: options.maxReportBytes,
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
    logger: options.logger,
  });
  poller?.start();
  return {
    server: httpServer,
    backups: table,
    close: async () => {
      poller?.stop();
      await httpServer.close();
    },
  };
}

/** `f`, run at most once a minute: one log line per minute of trouble, not one per report. */
function onceAMinute(f: () => void): () => void {
  let last = -Infinity;
  return () => {
    if (Date.now() - last < 60_000) return;
    last = Date.now();
    f();
  };
}

// The Duplicati exporter assembled: state loaded from disk, reports applied and persisted,
// metrics served. Separate from main.ts so tests start it in-process.
import { mkdirSync, readFileSync } from "node:fs";
import type { Logger } from "../../lib/log.js";
import { startExporterServer, type ExporterServer } from "../../lib/web/exporterServer.js";
import type { WebConfig } from "../../lib/web/webConfig.js";
import type { DuplicatiExporterConfig } from "./exporterConfig.js";
import { createDuplicatiMetrics } from "./metrics.js";
import { reportRoute } from "./receiver.js";
import type { BackupReport } from "./report.js";
import { DuplicatiServerClient, ServerPoller, type ServerStatus } from "./serverPoller.js";
import { applyReport, withKnownBackup, withServerBackup, type ExporterState } from "./state.js";
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
  state(): ExporterState;
  close(): Promise<void>;
}

export async function startDuplicatiExporter(options: DuplicatiExporterOptions): Promise<DuplicatiExporter> {
  const now = options.now ?? (() => Date.now() / 1000);
  mkdirSync(options.stateDir, { recursive: true, mode: 0o750 });
  const store = new StateStore(options.stateDir, options.logger);
  let state = store.load();
  // Backups named in the config are known before their first report, so a backup that never
  // reports is visible (and stale) rather than absent.
  for (const backup of options.config.backups) {
    const alreadyKnown = Object.values(state.backups).some((b) => b.backup.name === backup.name);
    if (!alreadyKnown)
      state = withKnownBackup(state, {
        key: `name:${backup.name}`,
        name: backup.name,
        machine: "",
        backupId: "",
      });
  }
  let stateVersion = 0;
  let cached: { version: number; at: number; body: string } | undefined;
  const maxAges = new Map(options.config.backups.map((b) => [b.name, b.max_age]));
  let serverStatus: ServerStatus | undefined;
  const { registry, self } = createDuplicatiMetrics({
    state: () => state,
    maxAgeSeconds: (name) => maxAges.get(name),
    now,
    serverStatus: () => serverStatus,
  });
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
          if ("backups" in result) {
            for (const backup of result.backups) state = withServerBackup(state, backup);
          }
          stateVersion++;
        },
        options.logger,
      )
    : undefined;

  const accept = async (report: BackupReport): Promise<boolean> => {
    const next = applyReport(dropPlaceholder(state, report), report, now());
    if (next === state) return false;
    state = next;
    stateVersion++;
    try {
      await store.save(state);
    } catch (error) {
      // The report still counts in memory; Prometheus sees the write failure.
      self.stateWriteErrors.inc();
      options.logger.error("could not persist state", { err: (error as Error).message });
    }
    return true;
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
        cached = { version: stateVersion, at, body: await registry.metrics() };
      }
      return { contentType: registry.contentType, body: cached.body };
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
    state: () => state,
    close: async () => {
      poller?.stop();
      await httpServer.close();
    },
  };
}

/** A configured backup first seen by name only is replaced by the same backup reporting with ids. */
function dropPlaceholder(state: ExporterState, report: BackupReport): ExporterState {
  const placeholder = `name:${report.backup.name}`;
  const entry = state.backups[placeholder];
  if (report.backup.key === placeholder || !entry || entry.last) return state;
  const backups = { ...state.backups };
  delete backups[placeholder];
  return { ...state, backups };
}

// The PM2 exporter assembled: a collector polling one user's daemon, metrics from its snapshot.
import { homedir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../../lib/log.js";
import { startExporterServer, type ExporterServer } from "../../lib/web/exporterServer.js";
import type { WebConfig } from "../../lib/web/webConfig.js";
import { Pm2Collector, type Pm2Source } from "./collector.js";
import { createPm2Metrics } from "./metrics.js";
import { Pm2RpcClient } from "./pm2Client.js";

export const VERSION = "0.1.0";

export interface Pm2ExporterOptions {
  readonly listenAddress: string;
  readonly telemetryPath: string;
  readonly webConfig?: WebConfig;
  readonly pm2Home: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Tests substitute the daemon; production talks to PM2_HOME/rpc.sock. */
  readonly source?: Pm2Source;
}

export interface Pm2Exporter {
  readonly server: ExporterServer;
  readonly collector: Pm2Collector;
  close(): Promise<void>;
}

export function defaultPm2Home(env: NodeJS.ProcessEnv = process.env): string {
  return env["PM2_HOME"] ?? join(env["HOME"] ?? homedir(), ".pm2");
}

export async function startPm2Exporter(options: Pm2ExporterOptions): Promise<Pm2Exporter> {
  const collector = new Pm2Collector(
    options.source ?? new Pm2RpcClient(options.pm2Home),
    options.intervalMs,
    options.timeoutMs,
    options.logger,
  );
  const registry = createPm2Metrics(() => collector.status);
  let cached: { version: number; body: string } | undefined;
  const server = await startExporterServer({
    name: "stackmon PM2 exporter",
    description: `PM2 processes of ${options.pm2Home}, collected every ${options.intervalMs / 1000} s.`,
    version: VERSION,
    listenAddress: options.listenAddress,
    telemetryPath: options.telemetryPath,
    ...(options.webConfig ? { webConfig: options.webConfig } : {}),
    // Scrapes serve the latest snapshot; its exposition is built once per collection.
    metrics: async () => {
      const { version } = collector.status;
      if (cached?.version !== version) cached = { version, body: await registry.metrics() };
      return { contentType: registry.contentType, body: cached.body };
    },
    logger: options.logger,
  });
  void collector.start();
  return {
    server,
    collector,
    close: async () => {
      collector.stop();
      await server.close();
    },
  };
}

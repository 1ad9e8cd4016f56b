// The PM2 exporter assembled: a collector asking one user's daemon when scrapes need it, and the
// exposition of its latest status.
import { homedir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../../lib/log.js";
import { startExporterServer, type ExporterServer } from "../../lib/web/exporterServer.js";
import type { WebConfig } from "../../lib/web/webConfig.js";
import { Pm2Collector, type Pm2Source } from "./collector.js";
import { EXPOSITION_CONTENT_TYPE } from "./exposition.js";
import { processLabels, renderListFamilies, renderSampledFamilies } from "./metrics.js";
import { Pm2RpcClient } from "./pm2Client.js";
import { Pm2HomeProbe, type ProcessProbe } from "./procStat.js";

export const VERSION = "0.1.0";

/** A slow daemon's last snapshot is served for at most this long (Prometheus's lookback delta). */
export const STALE_LIMIT_MS = 5 * 60_000;

export interface Pm2ExporterOptions {
  readonly listenAddress: string;
  readonly telemetryPath: string;
  readonly webConfig?: WebConfig;
  readonly pm2Home: string;
  readonly minAgeMs: number;
  readonly listMaxAgeMs: number;
  readonly timeoutMs: number;
  readonly ioMetricsLimit: number;
  readonly logger: Logger;
  /** Tests substitute the daemon; production talks to PM2_HOME/rpc.sock. */
  readonly source?: Pm2Source;
  /** What reads the processes between lists; by default /proc and PM2_HOME/pm2.pid (Linux). */
  readonly probe?: ProcessProbe;
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
  const probe =
    options.probe ??
    (options.source === undefined && process.platform === "linux"
      ? new Pm2HomeProbe(options.pm2Home)
      : undefined);
  const collector = new Pm2Collector(options.source ?? new Pm2RpcClient(options.pm2Home), {
    minAgeMs: options.minAgeMs,
    listMaxAgeMs: options.listMaxAgeMs,
    ...(probe ? { probe } : {}),
    timeoutMs: options.timeoutMs,
    staleLimitMs: STALE_LIMIT_MS,
    ioMetricsLimit: options.ioMetricsLimit,
    logger: options.logger,
  });
  let cached: { version: number; body: string } | undefined;
  let listPart: { version: number; labels: string[]; text: string } | undefined;
  const server = await startExporterServer({
    name: "stackmon PM2 exporter",
    description: `PM2 processes of ${options.pm2Home}: CPU and memory read when scraped (at most once per ${options.minAgeMs / 1000} s), the daemon's list renewed when a process changes or it is ${options.listMaxAgeMs / 1000} s old.`,
    version: VERSION,
    listenAddress: options.listenAddress,
    telemetryPath: options.telemetryPath,
    ...(options.webConfig ? { webConfig: options.webConfig } : {}),
    // What comes from the daemon's list, most of the text, is built once per list; a scrape adds
    // only CPU and memory. Scrapes within the minimum age share the whole text (and the server
    // keeps its encoded and gzipped bytes).
    metrics: async () => {
      const status = await collector.current();
      if (listPart?.version !== status.listVersion) {
        const labels = processLabels(status);
        listPart = { version: status.listVersion, labels, text: renderListFamilies(status, labels) };
      }
      if (cached?.version !== status.version) {
        const sampled = renderSampledFamilies(status, listPart.labels);
        cached = { version: status.version, body: listPart.text + sampled };
      }
      return { contentType: EXPOSITION_CONTENT_TYPE, body: cached.body };
    },
    logger: options.logger,
  });
  // One collection at start: the journal says at once whether the daemon is there.
  void collector.current();
  return {
    server,
    collector,
    close: async () => {
      collector.stop();
      await server.close();
    },
  };
}

#!/usr/bin/env node
// stackmon-pm2-exporter: one user's PM2 processes as Prometheus metrics.
import { onShutdown, parseExporterFlags } from "../../lib/exporterFlags.js";
import { parseDuration } from "../../lib/duration.js";
import { createLogger, isLogLevel } from "../../lib/log.js";
import { loadWebConfig } from "../../lib/web/webConfig.js";
import { defaultPm2Home, startPm2Exporter, VERSION } from "./exporter.js";

async function main(): Promise<number> {
  const parsed = parseExporterFlags(process.argv.slice(2), {
    name: "stackmon-pm2-exporter",
    version: VERSION,
    defaultListenAddress: "127.0.0.1:9209",
    ownFlags: {
      "pm2.home": { default: defaultPm2Home(), help: "the PM2_HOME of the daemon to watch" },
      "pm2.interval": { default: "5s", help: "how often to ask the daemon" },
      "pm2.timeout": { default: "3s", help: "how long one call to the daemon may take" },
    },
  });
  if (parsed.kind === "exit") {
    (parsed.code === 0 ? console.log : console.error)(parsed.text);
    return parsed.code;
  }
  const { flags } = parsed;
  const logger = createLogger(isLogLevel(flags.logLevel) ? flags.logLevel : "info");
  const intervalMs = parseDuration(flags.own["pm2.interval"] ?? "5s");
  const timeoutMs = parseDuration(flags.own["pm2.timeout"] ?? "3s");
  if (!intervalMs || !timeoutMs) {
    logger.error("--pm2.interval and --pm2.timeout take durations such as 5s");
    return 1;
  }
  try {
    const exporter = await startPm2Exporter({
      listenAddress: flags.listenAddress,
      telemetryPath: flags.telemetryPath,
      ...(flags.webConfigFile ? { webConfig: loadWebConfig(flags.webConfigFile) } : {}),
      pm2Home: flags.own["pm2.home"] ?? defaultPm2Home(),
      intervalMs,
      timeoutMs: Math.min(timeoutMs, intervalMs),
      logger,
    });
    onShutdown(async () => {
      logger.info("shutting down");
      await exporter.close();
    });
    return -1;
  } catch (error) {
    logger.error("cannot start", { err: (error as Error).message });
    return 1;
  }
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(3);
  },
);

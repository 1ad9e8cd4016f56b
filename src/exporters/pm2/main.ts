#!/usr/bin/env node
// stackmon-pm2-exporter: one user's PM2 processes as Prometheus metrics.
import { parseDuration } from "../../lib/duration.js";
import { runExporter } from "../../lib/exporterMain.js";
import { defaultPm2Home, startPm2Exporter, VERSION } from "./exporter.js";

runExporter({
  name: "stackmon-pm2-exporter",
  version: VERSION,
  defaultListenAddress: "127.0.0.1:9209",
  ownFlags: {
    "pm2.home": { default: defaultPm2Home(), help: "the PM2_HOME of the daemon to watch" },
    "pm2.interval": { default: "5s", help: "how often to ask the daemon" },
    "pm2.timeout": { default: "3s", help: "how long one call to the daemon may take" },
  },
  start: (flags, { logger, webConfig }) => {
    const intervalMs = parseDuration(flags.own["pm2.interval"] ?? "5s");
    const timeoutMs = parseDuration(flags.own["pm2.timeout"] ?? "3s");
    if (!intervalMs || !timeoutMs)
      throw new Error("--pm2.interval and --pm2.timeout take durations such as 5s");
    return startPm2Exporter({
      listenAddress: flags.listenAddress,
      telemetryPath: flags.telemetryPath,
      ...(webConfig ? { webConfig } : {}),
      pm2Home: flags.own["pm2.home"] ?? defaultPm2Home(),
      intervalMs,
      timeoutMs: Math.min(timeoutMs, intervalMs),
      logger,
    });
  },
});

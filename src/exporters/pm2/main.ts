#!/usr/bin/env node
// stackmon-pm2-exporter: one user's PM2 processes as Prometheus metrics.
import { parseDuration } from "../../lib/duration.js";
import { runExporter } from "../../lib/exporterMain.js";
import { defaultPm2Home, startPm2Exporter, VERSION } from "./exporter.js";
import { DEFAULT_IO_METRICS_LIMIT } from "./parsePm2List.js";

runExporter({
  name: "stackmon-pm2-exporter",
  version: VERSION,
  defaultListenAddress: "127.0.0.1:9209",
  ownFlags: {
    "pm2.home": { default: defaultPm2Home(), help: "the PM2_HOME of the daemon to watch" },
    "pm2.min-age": {
      default: "9s",
      help: "a scrape within this long of the last collection is served that collection",
    },
    "pm2.list-max-age": {
      default: "60s",
      help: "a scrape finding the daemon's process list older than this has it renewed in the background",
    },
    "pm2.timeout": { default: "3s", help: "how long a scrape may wait for the daemon" },
    "pm2.io-metrics-limit": {
      default: String(DEFAULT_IO_METRICS_LIMIT),
      help: "most @pm2/io metrics exported per process",
    },
  },
  start: (flags, { logger, webConfig }) => {
    const minAgeMs = parseDuration(flags.own["pm2.min-age"] ?? "");
    const listMaxAgeMs = parseDuration(flags.own["pm2.list-max-age"] ?? "");
    const timeoutMs = parseDuration(flags.own["pm2.timeout"] ?? "");
    if (minAgeMs === undefined || listMaxAgeMs === undefined || !timeoutMs)
      throw new Error(
        "--pm2.min-age, --pm2.list-max-age and --pm2.timeout take durations such as 9s (the timeout above 0)",
      );
    const limitText = flags.own["pm2.io-metrics-limit"] ?? "";
    const ioMetricsLimit = Number(limitText);
    if (!/^\d+$/.test(limitText) || !Number.isSafeInteger(ioMetricsLimit))
      throw new Error(`--pm2.io-metrics-limit takes a whole number, not "${limitText}"`);
    return startPm2Exporter({
      listenAddress: flags.listenAddress,
      telemetryPath: flags.telemetryPath,
      ...(webConfig ? { webConfig } : {}),
      pm2Home: flags.own["pm2.home"] ?? defaultPm2Home(),
      minAgeMs,
      listMaxAgeMs,
      timeoutMs,
      ioMetricsLimit,
      logger,
    });
  },
});

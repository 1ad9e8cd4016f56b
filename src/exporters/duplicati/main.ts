#!/usr/bin/env node
// stackmon-duplicati-exporter: receives Duplicati's backup reports and exposes them to Prometheus.
import { readFileSync } from "node:fs";
import { runExporter } from "../../lib/exporterMain.js";
import { loadExporterConfig } from "./exporterConfig.js";
import { DEFAULT_LIMITS, MIN_LABEL_LENGTH, type TableLimits } from "./backupTable.js";
import { startDuplicatiExporter, VERSION } from "./exporter.js";
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_CLIENT } from "../../lib/web/exporterServer.js";

const DEFAULT_STATE_DIR = "/var/lib/stackmon-duplicati-exporter";

runExporter({
  name: "stackmon-duplicati-exporter",
  version: VERSION,
  defaultListenAddress: "127.0.0.1:9618",
  ownFlags: {
    "token-file": { help: "file holding the token Duplicati sends as ?token= (required)" },
    "state-dir": { default: DEFAULT_STATE_DIR, help: "where the last report of each backup is kept" },
    "config.file": {
      help: "backups with their maximum age, optional server polling (YAML, rendered by stackmon)",
    },
    "report.max-bytes": { default: "1048576", help: "largest report accepted; larger ones get 413" },
    "backups.max": {
      default: String(DEFAULT_LIMITS.maxBackups),
      help: "backups tracked at most; reports of further ones are dropped and counted",
    },
    "labels.max-length": {
      default: String(DEFAULT_LIMITS.maxLabelLength),
      help: "longest backup, machine and backup_id label value; longer ones are cut and counted",
    },
    "web.max-connections": {
      default: String(DEFAULT_MAX_CONNECTIONS),
      help: `connections served at once (at most ${DEFAULT_MAX_CONNECTIONS_PER_CLIENT} from one address); more are closed`,
    },
  },
  start: (flags, { logger, webConfig }) => {
    const tokenFile = flags.own["token-file"];
    if (!tokenFile)
      throw new Error("--token-file is required: Duplicati authenticates with ?token=<its contents>");
    const token = readFileSync(tokenFile, "utf8").trim();
    if (token.length < 16) throw new Error(`the token in ${tokenFile} is shorter than 16 characters`);
    const maxReportBytes = positiveInteger(flags.own, "report.max-bytes");
    const maxConnections = positiveInteger(flags.own, "web.max-connections");
    const limits: TableLimits = {
      maxBackups: positiveInteger(flags.own, "backups.max"),
      maxLabelLength: positiveInteger(flags.own, "labels.max-length"),
    };
    if (limits.maxLabelLength < MIN_LABEL_LENGTH)
      throw new Error(
        `--labels.max-length is at least ${MIN_LABEL_LENGTH}: a cut value keeps a hash of 9 characters`,
      );
    return startDuplicatiExporter({
      listenAddress: flags.listenAddress,
      telemetryPath: flags.telemetryPath,
      ...(webConfig ? { webConfig } : {}),
      token,
      stateDir: flags.own["state-dir"] ?? DEFAULT_STATE_DIR,
      config: loadExporterConfig(flags.own["config.file"]),
      maxReportBytes,
      maxConnections,
      limits,
      logger,
    });
  },
});

function positiveInteger(flags: Readonly<Record<string, string | undefined>>, name: string): number {
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} takes a positive integer`);
  return value;
}

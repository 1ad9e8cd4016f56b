#!/usr/bin/env node
// stackmon-duplicati-exporter: receives Duplicati's backup reports and exposes them to Prometheus.
import { readFileSync } from "node:fs";
import { onShutdown, parseExporterFlags } from "../../lib/exporterFlags.js";
import { createLogger, isLogLevel } from "../../lib/log.js";
import { loadWebConfig } from "../../lib/web/webConfig.js";
import { loadExporterConfig } from "./exporterConfig.js";
import { startDuplicatiExporter, VERSION } from "./exporter.js";

async function main(): Promise<number> {
  const parsed = parseExporterFlags(process.argv.slice(2), {
    name: "stackmon-duplicati-exporter",
    version: VERSION,
    defaultListenAddress: "127.0.0.1:9618",
    ownFlags: {
      "token-file": { help: "file holding the token Duplicati sends as ?token= (required)" },
      "state-dir": {
        default: "/var/lib/stackmon-duplicati-exporter",
        help: "where the last report of each backup is kept",
      },
      "config.file": { help: "backups with their maximum age (YAML, rendered by stackmon)" },
      "report.max-bytes": { default: "1048576", help: "largest report accepted; larger ones get 413" },
    },
  });
  if (parsed.kind === "exit") {
    (parsed.code === 0 ? console.log : console.error)(parsed.text);
    return parsed.code;
  }
  const { flags } = parsed;
  const logger = createLogger(isLogLevel(flags.logLevel) ? flags.logLevel : "info");
  const tokenFile = flags.own["token-file"];
  if (!tokenFile) {
    logger.error("--token-file is required: Duplicati authenticates with ?token=<contents of that file>");
    return 1;
  }
  try {
    const token = readFileSync(tokenFile, "utf8").trim();
    if (token.length < 16) throw new Error(`the token in ${tokenFile} is shorter than 16 characters`);
    const exporter = await startDuplicatiExporter({
      listenAddress: flags.listenAddress,
      telemetryPath: flags.telemetryPath,
      ...(flags.webConfigFile ? { webConfig: loadWebConfig(flags.webConfigFile) } : {}),
      token,
      stateDir: flags.own["state-dir"] ?? "/var/lib/stackmon-duplicati-exporter",
      config: loadExporterConfig(flags.own["config.file"]),
      maxReportBytes: Number(flags.own["report.max-bytes"] ?? 1048576),
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

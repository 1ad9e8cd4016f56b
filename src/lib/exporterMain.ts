// The shell every exporter bin shares: flags, logger, start, clean shutdown on SIGTERM, exit codes
// (0 help/version, 1 bad flags or failed start, 3 a bug).
import { isLoopback, parseListen } from "./listenAddress.js";
import { onShutdown, parseExporterFlags, type ExporterFlags } from "./exporterFlags.js";
import { createLogger, isLogLevel, type Logger } from "./log.js";
import type { WebConfig } from "./web/webConfig.js";

export interface ExporterBin {
  readonly name: string;
  readonly version: string;
  readonly defaultListenAddress: string;
  readonly ownFlags: Parameters<typeof parseExporterFlags>[1]["ownFlags"];
  /** Starts the exporter; throws an Error with a message for people when it cannot. */
  start(
    flags: ExporterFlags,
    context: { logger: Logger; webConfig?: WebConfig },
  ): Promise<{ close(): Promise<void> }>;
}

export function runExporter(bin: ExporterBin, argv: readonly string[] = process.argv.slice(2)): void {
  const parsed = parseExporterFlags(argv, bin);
  if (parsed.kind === "exit") {
    (parsed.code === 0 ? console.log : console.error)(parsed.text);
    process.exitCode = parsed.code;
    return;
  }
  const { flags } = parsed;
  const logger = createLogger(isLogLevel(flags.logLevel) ? flags.logLevel : "info");
  const start = async () => {
    // Loaded only when there is a web config: its YAML and schema libraries are most of an idle
    // exporter's memory otherwise.
    const webConfig = flags.webConfigFile
      ? (await import("./web/webConfig.js")).loadWebConfig(flags.webConfigFile)
      : undefined;
    const exposure = exposureProblem(flags.listenAddress, webConfig);
    if (exposure) throw new Error(exposure);
    const exporter = await bin.start(flags, { logger, ...(webConfig ? { webConfig } : {}) });
    onShutdown(async () => {
      logger.info("shutting down");
      await exporter.close();
    });
  };
  start().catch((error: unknown) => {
    if (error instanceof Error) {
      logger.error("cannot start", { err: error.message });
      process.exit(1);
    }
    console.error(error);
    process.exit(3);
  });
}

/**
 * Beyond loopback an exporter needs TLS and basic auth, as stackmon.yml requires of every
 * exposed endpoint; started by hand it is held to the same rule rather than serving anyone.
 */
export function exposureProblem(listenAddress: string, webConfig: WebConfig | undefined): string | undefined {
  const listen = parseListen(listenAddress, { allowAnyPort: true });
  if (!listen || isLoopback(listen.host)) return undefined;
  if (webConfig?.tls && webConfig.basicAuthUsers.size > 0) return undefined;
  return (
    `--web.listen-address ${listenAddress} reaches beyond this host: give --web.config.file with ` +
    "tls_server_config and basic_auth_users, or listen on 127.0.0.1"
  );
}

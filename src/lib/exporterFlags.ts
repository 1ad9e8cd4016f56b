// Flags in the Prometheus exporter convention (--web.listen-address and friends), shared by the
// exporters written here, plus each exporter's own.
import { parseArgs } from "node:util";

type FlagSpec = Readonly<Record<string, { readonly default?: string; readonly help: string }>>;

export interface ExporterFlags {
  readonly listenAddress: string;
  readonly telemetryPath: string;
  readonly webConfigFile: string | undefined;
  readonly logLevel: string;
  /** The exporter's own flags, by name without the leading dashes. */
  readonly own: Readonly<Record<string, string | undefined>>;
}

export type FlagResult = { kind: "run"; flags: ExporterFlags } | { kind: "exit"; code: number; text: string };

export function parseExporterFlags(
  argv: readonly string[],
  exporter: { name: string; version: string; defaultListenAddress: string; ownFlags: FlagSpec },
): FlagResult {
  const common: FlagSpec = {
    "web.listen-address": {
      default: exporter.defaultListenAddress,
      help: "address to listen on (host:port)",
    },
    "web.telemetry-path": { default: "/metrics", help: "path under which to expose metrics" },
    "web.config.file": { help: "exporter-toolkit web config: TLS and basic auth" },
    "log.level": { default: "info", help: "debug, info, warn or error" },
  };
  const all = { ...common, ...exporter.ownFlags };
  const options = Object.fromEntries(Object.keys(all).map((name) => [name, { type: "string" as const }]));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: "boolean", short: "h" }, version: { type: "boolean" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { kind: "exit", code: 1, text: `${exporter.name}: ${(error as Error).message} (see --help)` };
  }
  if (values["help"]) return { kind: "exit", code: 0, text: usage(exporter.name, all) };
  if (values["version"]) return { kind: "exit", code: 0, text: `${exporter.name} ${exporter.version}` };
  const value = (name: string) => {
    const given = values[name];
    return typeof given === "string" ? given : all[name]?.default;
  };
  return {
    kind: "run",
    flags: {
      listenAddress: value("web.listen-address") ?? exporter.defaultListenAddress,
      telemetryPath: value("web.telemetry-path") ?? "/metrics",
      webConfigFile: value("web.config.file"),
      logLevel: value("log.level") ?? "info",
      own: Object.fromEntries(Object.keys(exporter.ownFlags).map((name) => [name, value(name)])),
    },
  };
}

function usage(name: string, flags: FlagSpec): string {
  const lines = Object.entries(flags).map(
    ([flag, spec]) =>
      `  --${flag.padEnd(24)} ${spec.help}${spec.default !== undefined ? ` (default ${spec.default})` : ""}`,
  );
  return `Usage: ${name} [flags]\n\n${lines.join("\n")}\n  --help                     this text\n  --version                  print the version`;
}

/** Runs `stop` once on SIGTERM or SIGINT, then exits 0: the clean shutdown systemd expects. */
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
}

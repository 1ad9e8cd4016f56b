// The exporter's metrics, computed from the state at scrape time: series of forgotten backups
// vanish, and no timestamp or size is ever a label value. The per-backup families are in
// backupFamilies.ts; the server's and the exporter's own are prom-client's.
import { Counter, Gauge, Registry } from "prom-client";
import { BackupExposition } from "./backupFamilies.js";
import type { ServerStatus } from "./serverPoller.js";
import type { BackupState } from "./state.js";

export interface MetricsSource {
  /** Every backup tracked, in a stable order. */
  backups(): readonly BackupState[];
  /** Maximum age per backup name, from stackmon.yml. */
  maxAgeSeconds(name: string): number | undefined;
  now(): number;
  /** The polled Duplicati server, when polling is configured. */
  serverStatus?(): ServerStatus | undefined;
}

export interface SelfMetrics {
  readonly reports: Counter<"outcome">;
  readonly reportProblems: Counter;
  readonly stateWriteErrors: Counter;
  readonly labelValuesRewritten: Counter;
}

/** Outcomes of a report, each a value of duplicati_exporter_reports_total's label. */
export const REPORT_OUTCOMES = [
  "accepted",
  "partial",
  "ignored",
  "over_limit",
  "rejected",
  "unauthorized",
] as const;

/** What the exporter is held to, exposed next to how close it is. */
export interface Limits {
  readonly maxBackups: number;
  readonly maxLabelLength: number;
}

export interface DuplicatiMetrics {
  readonly contentType: string;
  /** The whole exposition: every backup's families, then the server's and the exporter's own. */
  exposition(): Promise<string>;
  readonly self: SelfMetrics;
}

export function createDuplicatiMetrics(source: MetricsSource, limits: Limits): DuplicatiMetrics {
  const registry = new Registry();
  const backups = new BackupExposition();

  const server = (name: string, help: string, value: (s: ServerStatus) => boolean | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        const status = source.serverStatus?.();
        const v = status && value(status);
        if (v !== undefined) this.set(v ? 1 : 0);
      },
    });
  server(
    "duplicati_server_up",
    "1 when the last poll of the Duplicati server succeeded (polling configured).",
    (s) => s.up,
  );
  server(
    "duplicati_server_paused",
    "1 when the Duplicati server is paused: no scheduled backup runs.",
    (s) => s.paused,
  );
  server(
    "duplicati_server_has_error",
    "1 when the Duplicati server shows an error notification.",
    (s) => s.hasError,
  );

  const self: SelfMetrics = {
    reports: new Counter({
      name: "duplicati_exporter_reports_total",
      help: "Reports received, by outcome: accepted, partial (accepted with parts not understood), ignored (not a backup), over_limit (a new backup past --backups.max, dropped), rejected, unauthorized.",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    reportProblems: new Counter({
      name: "duplicati_exporter_report_warnings_total",
      help: "Fields of accepted reports that could not be understood.",
      registers: [registry],
    }),
    stateWriteErrors: new Counter({
      name: "duplicati_exporter_state_write_errors_total",
      help: "Failures to persist the state (the report was still applied in memory).",
      registers: [registry],
    }),
    labelValuesRewritten: new Counter({
      name: "duplicati_exporter_label_values_rewritten_total",
      help: "Label values from reports cut to --labels.max-length or cleaned of control characters.",
      registers: [registry],
    }),
  };
  for (const outcome of REPORT_OUTCOMES) self.reports.inc({ outcome }, 0);
  new Gauge({
    name: "duplicati_exporter_backups",
    help: "Backups tracked (reported, configured or learnt from the server).",
    registers: [registry],
    collect() {
      this.set(source.backups().length);
    },
  });
  new Gauge({
    name: "duplicati_exporter_backups_limit",
    help: "Most backups tracked (--backups.max); reports of further ones are dropped.",
    registers: [registry],
  }).set(limits.maxBackups);
  new Gauge({
    name: "duplicati_exporter_label_length_limit",
    help: "Longest label value kept (--labels.max-length).",
    registers: [registry],
  }).set(limits.maxLabelLength);
  return {
    contentType: registry.contentType,
    self,
    exposition: async () => {
      const now = source.now();
      const text = backups.render(source.backups(), (state) => ({
        now,
        maxAgeSeconds: source.maxAgeSeconds(state.backup.name),
      }));
      return `${text}\n${await registry.metrics()}`;
    },
  };
}

// The `global` section: settings every component reads.
import { z } from "zod";
import { duration } from "./schemaParts.js";

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "must be a Prometheus label name");

export const globalSchema = z
  .strictObject({
    /** How often Prometheus scrapes, unless a job says otherwise. */
    scrape_interval: duration().default("15s"),
    scrape_timeout: duration().default("10s"),
    evaluation_interval: duration().default("15s"),
    /** Labels added to every series and alert leaving this Prometheus (e.g. env: prod). */
    external_labels: z.record(labelName, z.string()).default({}),
    /** Name of this host in labels and messages; defaults to the machine's hostname at load time. */
    hostname: z.string().min(1).optional(),
  })
  .prefault({});

export type GlobalSettings = z.infer<typeof globalSchema>;

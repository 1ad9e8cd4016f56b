// The `global` section: settings every component reads.
import { z } from "zod";
import { parseDuration } from "../lib/duration.js";
import { duration } from "./schemaParts.js";

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "must be a Prometheus label name");

export const globalSchema = z
  .strictObject({
    /** How often Prometheus scrapes, unless a job says otherwise. */
    scrape_interval: duration().default("15s"),
    /** Unset: Prometheus's own default, 10s or the interval when that is shorter. */
    scrape_timeout: duration().optional(),
    evaluation_interval: duration().default("15s"),
    /** Labels added to every series and alert leaving this Prometheus (e.g. env: prod). */
    external_labels: z.record(labelName, z.string()).default({}),
    /** Name of this host in labels and messages; defaults to the machine's hostname at load time. */
    hostname: z.string().min(1).optional(),
  })
  .superRefine((global, ctx) => {
    const timeout = global.scrape_timeout === undefined ? undefined : parseDuration(global.scrape_timeout);
    const interval = parseDuration(global.scrape_interval);
    if (timeout !== undefined && interval !== undefined && timeout > interval) {
      ctx.addIssue({
        code: "custom",
        path: ["scrape_timeout"],
        message: `is longer than scrape_interval (${global.scrape_interval}): Prometheus refuses that`,
      });
    }
  })
  .prefault({});

export type GlobalSettings = z.infer<typeof globalSchema>;

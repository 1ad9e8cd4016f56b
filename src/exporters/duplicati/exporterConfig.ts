// The exporter's own config file (--config.file), rendered by stackmon: backups with their
// maximum age, and the optional Duplicati server to poll.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import { parseDuration } from "../../lib/duration.js";

const durationSeconds = z
  .string()
  .refine((t) => parseDuration(t) !== undefined, "must be a duration such as 26h")
  .transform((t) => (parseDuration(t) ?? 0) / 1000);

/** http(s), no credentials in it (the password has its own file), no control characters. */
export const serverUrl = z
  .url({ protocol: /^https?$/ })
  .refine((text) => !/\p{Cc}/u.test(text), "must not hold control characters")
  .refine((text) => {
    const url = new URL(text);
    return url.username === "" && url.password === "";
  }, "must not hold a user or password: the password goes in password_file");

const schema = z.strictObject({
  backups: z.array(z.strictObject({ name: z.string().min(1), max_age: durationSeconds })).default([]),
  server: z
    .strictObject({
      url: serverUrl,
      password_file: z.string().min(1),
      interval: durationSeconds.default(300),
    })
    .optional(),
});
export type DuplicatiExporterConfig = z.infer<typeof schema>;

export function parseExporterConfig(text: string): DuplicatiExporterConfig {
  const result = schema.safeParse(parse(text) ?? {});
  if (!result.success) {
    throw new Error(result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  }
  return result.data;
}

export function loadExporterConfig(path: string | undefined): DuplicatiExporterConfig {
  return path === undefined ? { backups: [] } : parseExporterConfig(readFileSync(path, "utf8"));
}

// How stackmon's own commands talk to a protected stack endpoint: with the credentials of the
// scrape job Prometheus uses for it (the password copy under /etc/prometheus/secrets).
import type { DesiredState } from "../render/desiredState.js";

/** Reads a file of the stack; undefined when it is missing or unreadable. */
export type StackFileReader = (path: string) => Promise<string | undefined>;

export async function authHeadersFor(
  desired: DesiredState,
  url: string,
  readFile: StackFileReader,
): Promise<Record<string, string>> {
  const host = new URL(url).host;
  const job = desired.scrapeJobs.find(
    (j) => j.basicAuth && j.staticConfigs.some((sc) => sc.targets.includes(host)),
  );
  if (!job?.basicAuth) return {};
  const password = (await readFile(job.basicAuth.passwordFile))?.replace(/\r?\n$/, "");
  if (password === undefined) return {};
  return {
    authorization: `Basic ${Buffer.from(`${job.basicAuth.username}:${password}`).toString("base64")}`,
  };
}

// Runs one piece of work per host, at most `parallel` at a time. A host that fails stops neither
// the others nor their own clean-up; every host ends with an outcome.

export interface HostOutcome<T> {
  readonly host: string;
  /** The work's result, or why it failed (a message for people, never a stack trace). */
  readonly result?: T;
  readonly error?: string;
  readonly seconds: number;
}

export async function forEachHost<T>(
  hosts: readonly string[],
  parallel: number,
  work: (host: string) => Promise<T>,
  describeError: (error: unknown) => string,
): Promise<HostOutcome<T>[]> {
  const outcomes = new Map<string, HostOutcome<T>>();
  const queue = [...hosts];
  const worker = async () => {
    for (let host = queue.shift(); host !== undefined; host = queue.shift()) {
      const started = Date.now();
      const seconds = () => Math.round((Date.now() - started) / 100) / 10;
      try {
        const result = await work(host);
        outcomes.set(host, { host, result, seconds: seconds() });
      } catch (error) {
        outcomes.set(host, { host, error: describeError(error), seconds: seconds() });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, hosts.length)) }, worker));
  return hosts.map((host) => outcomes.get(host) as HostOutcome<T>);
}

// Basic auth against the web config's bcrypt hashes, as exporter-toolkit does it (web/handler.go):
// results cached by a hash of the credentials, a fixed hash for unknown users so timing does not
// tell them apart. Unlike it, failures are limited per client: each one costs a bcrypt.
import { createHash } from "node:crypto";
import bcrypt from "bcryptjs";

export type BasicAuthResult = "ok" | "denied" | "rate-limited";

export interface BasicAuthenticator {
  /** Whether `header` (an Authorization header) names a configured user with its password. */
  check(header: string | undefined, client: string): Promise<BasicAuthResult>;
  /** Seconds until a rate-limited client may try again. */
  retryAfterSeconds(client: string): number;
}

export interface FailureLimit {
  /** Failed checks a client may make within `windowMs` before it is turned away. */
  readonly failures: number;
  readonly windowMs: number;
}

export const DEFAULT_FAILURE_LIMIT: FailureLimit = { failures: 10, windowMs: 60_000 };

/** A hash that keeps timing flat for unknown users: bcrypt runs either way. */
const DUMMY_HASH = bcrypt.hashSync("stackmon-no-such-user", 10);

/** At most this many results and clients are remembered; beyond, the oldest are forgotten. */
const MEMORY = 1000;

export function basicAuthenticator(
  users: ReadonlyMap<string, string>,
  limit: FailureLimit = DEFAULT_FAILURE_LIMIT,
  now: () => number = Date.now,
): BasicAuthenticator {
  const results = new Map<string, boolean>();
  const failures = new FailureWindow(limit, now);
  return {
    retryAfterSeconds: (client) => failures.retryAfterSeconds(client),
    async check(header, client) {
      if (users.size === 0) return "ok";
      const credentials = parseBasic(header);
      if (!credentials) return "denied";
      const hash = users.get(credentials.user);
      const key = createHash("sha256")
        .update(`${credentials.user}\0${credentials.password}\0${hash ?? ""}`)
        .digest("hex");
      const known = results.get(key);
      if (known !== undefined) return known ? "ok" : "denied";
      if (failures.exhausted(client)) return "rate-limited";
      const ok = (await bcrypt.compare(credentials.password, hash ?? DUMMY_HASH)) && hash !== undefined;
      if (results.size >= MEMORY) results.delete(results.keys().next().value ?? "");
      results.set(key, ok);
      if (!ok) failures.record(client);
      return ok ? "ok" : "denied";
    },
  };
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Failure times per client within a sliding window. */
class FailureWindow {
  private readonly byClient = new Map<string, number[]>();

  constructor(
    private readonly limit: FailureLimit,
    private readonly now: () => number,
  ) {}

  private recent(client: string): number[] {
    const since = this.now() - this.limit.windowMs;
    const times = (this.byClient.get(client) ?? []).filter((t) => t > since);
    if (times.length === 0) this.byClient.delete(client);
    else this.byClient.set(client, times);
    return times;
  }

  exhausted(client: string): boolean {
    return this.recent(client).length >= this.limit.failures;
  }

  record(client: string): void {
    const times = this.recent(client);
    if (!this.byClient.has(client) && this.byClient.size >= MEMORY)
      this.byClient.delete(this.byClient.keys().next().value ?? "");
    this.byClient.set(client, [...times, this.now()].slice(-this.limit.failures));
  }

  retryAfterSeconds(client: string): number {
    const oldest = this.recent(client)[0];
    return oldest === undefined
      ? 0
      : Math.max(1, Math.ceil((oldest + this.limit.windowMs - this.now()) / 1000));
  }
}

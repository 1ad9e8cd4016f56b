// Optional polling of a Duplicati 2.1+ server's REST API, to learn the backups that never reported
// and their schedules. Logs in with the server password (a JWT valid for minutes; logs in again on
// 401), then reads /api/v1/backups and /api/v1/serverstate.
import type { Logger } from "../../lib/log.js";
import { parseAnyDate } from "./dotnet.js";

export interface ServerBackup {
  readonly id: string;
  readonly name: string;
  readonly nextScheduledRun?: number;
  readonly lastSuccessTime?: number;
}

export interface ServerStatus {
  readonly up: boolean;
  readonly paused?: boolean;
  readonly hasError?: boolean;
  readonly hasWarning?: boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function dateOf(value: unknown): number | undefined {
  return typeof value === "string" && value !== "" ? parseAnyDate(value) : undefined;
}

/** Pure: the /api/v1/backups answer → what the exporter needs; malformed entries are skipped. */
export function parseServerBackups(body: unknown): ServerBackup[] {
  if (!Array.isArray(body)) throw new Error("/api/v1/backups did not answer a list");
  return body.flatMap((entry): ServerBackup[] => {
    if (!isObject(entry) || !isObject(entry["Backup"])) return [];
    const backup = entry["Backup"];
    const name = backup["Name"];
    const id = backup["ID"];
    if (typeof name !== "string" || name === "" || (typeof id !== "string" && typeof id !== "number"))
      return [];
    const metadata = isObject(backup["Metadata"]) ? backup["Metadata"] : {};
    const schedule = isObject(entry["Schedule"]) ? entry["Schedule"] : undefined;
    const next = dateOf(schedule?.["Time"]);
    const last = dateOf(metadata["LastBackupFinished"]) ?? dateOf(metadata["LastBackupDate"]);
    return [
      {
        id: String(id),
        name,
        ...(next !== undefined ? { nextScheduledRun: next } : {}),
        ...(last !== undefined ? { lastSuccessTime: last } : {}),
      },
    ];
  });
}

export function parseServerState(body: unknown): ServerStatus {
  if (!isObject(body)) throw new Error("/api/v1/serverstate did not answer an object");
  return {
    up: true,
    paused: body["ProgramState"] === "Paused",
    ...(typeof body["HasError"] === "boolean" ? { hasError: body["HasError"] } : {}),
    ...(typeof body["HasWarning"] === "boolean" ? { hasWarning: body["HasWarning"] } : {}),
  };
}

/**
 * Requests carry the server password or its token: a redirect would hand them to wherever it
 * points, so none is followed. Where it pointed is not said (it may be anything).
 */
function refuseRedirect(path: string, response: Response): void {
  if (response.status >= 300 && response.status < 400)
    throw new Error(
      `${path}: HTTP ${response.status} redirect refused (it would carry the credentials elsewhere)`,
    );
}

export class DuplicatiServerClient {
  private token: string | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly password: () => string,
    private readonly timeoutMs = 10_000,
  ) {}

  private async login(): Promise<string> {
    const response = await fetch(new URL("/api/v1/auth/login", this.baseUrl), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ Password: this.password(), RememberMe: true }),
      signal: AbortSignal.timeout(this.timeoutMs),
      redirect: "manual",
    });
    refuseRedirect("/api/v1/auth/login", response);
    if (!response.ok) throw new Error(`login refused: HTTP ${response.status}`);
    const body = await response.json();
    const token = isObject(body) ? body["AccessToken"] : undefined;
    if (typeof token !== "string" || token === "") throw new Error("login answered no AccessToken");
    return token;
  }

  /** GET with the bearer token; a 401 (expired token) means one fresh login and one retry. */
  async get(path: string): Promise<unknown> {
    for (let attempt = 0; attempt < 2; attempt++) {
      this.token ??= await this.login();
      const response = await fetch(new URL(path, this.baseUrl), {
        headers: { Authorization: `Bearer ${this.token}` },
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: "manual",
      });
      refuseRedirect(path, response);
      if (response.status === 401 && attempt === 0) {
        this.token = undefined;
        continue;
      }
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
      return await response.json();
    }
    throw new Error(`${path}: still unauthorized after a fresh login`);
  }
}

export interface PollResult {
  readonly backups: readonly ServerBackup[];
  readonly status: ServerStatus;
}

/** Polls on an interval; never throws out of the loop, one log line per change of trouble. */
export class ServerPoller {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastError = "";

  constructor(
    private readonly client: DuplicatiServerClient,
    private readonly intervalMs: number,
    private readonly onResult: (result: PollResult | { readonly status: ServerStatus }) => void,
    private readonly logger: Logger,
  ) {}

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  async pollOnce(): Promise<void> {
    try {
      const backups = parseServerBackups(await this.client.get("/api/v1/backups"));
      const status = parseServerState(await this.client.get("/api/v1/serverstate"));
      if (this.lastError !== "") this.logger.info("Duplicati server reachable again");
      this.lastError = "";
      this.onResult({ backups, status });
    } catch (error) {
      const message = (error as Error).message;
      if (message !== this.lastError) this.logger.warn("cannot poll the Duplicati server", { err: message });
      this.lastError = message;
      this.onResult({ status: { up: false } });
    }
  }

  private async loop(): Promise<void> {
    await this.pollOnce();
    if (!this.stopped) this.timer = setTimeout(() => void this.loop(), this.intervalMs);
  }
}

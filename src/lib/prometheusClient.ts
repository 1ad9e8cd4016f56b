// The few Prometheus HTTP API calls stackmon needs: targets, instant queries, rules, readiness.
export interface TargetHealth {
  readonly job: string;
  readonly instance: string;
  readonly health: "up" | "down" | "unknown";
  readonly lastError: string;
  readonly scrapeUrl: string;
}

interface ApiResponse<T> {
  status: "success" | "error";
  data: T;
  error?: string;
}

/** One GET: status and body, or a thrown error when nothing answered. */
export type HttpTransport = (
  url: string,
  options: { readonly timeoutMs: number; readonly headers: Record<string, string> },
) => Promise<{ status: number; body: string }>;

const fetchTransport: HttpTransport = async (url, options) => {
  const response = await fetch(url, {
    signal: AbortSignal.timeout(options.timeoutMs),
    headers: options.headers,
  });
  return { status: response.status, body: await response.text() };
};

export interface RuleGroupHealth {
  readonly name: string;
  readonly file: string;
  readonly rules: readonly {
    readonly name: string;
    readonly health: string;
    readonly lastError: string;
    /** The expression as Prometheus evaluates it. */
    readonly query: string;
    /** For alerting rules: "inactive", "pending" or "firing". */
    readonly state?: string;
    /** For alerting rules: when its earliest active alert became active (Unix seconds). */
    readonly activeSince?: number;
  }[];
}

function activeSince(alerts: readonly { activeAt?: string }[] | undefined): { activeSince?: number } {
  const times = (alerts ?? []).flatMap((a) => (a.activeAt ? [Date.parse(a.activeAt) / 1000] : []));
  return times.length > 0 ? { activeSince: Math.min(...times) } : {};
}

export class PrometheusClient {
  /**
   * @param options.headers sent with every request (basic auth of a protected Prometheus)
   * @param options.transport how requests are made (e.g. one that accepts a self-signed certificate)
   */
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 5000,
    private readonly options: {
      readonly headers?: Record<string, string>;
      readonly transport?: HttpTransport;
    } = {},
  ) {}

  private request(path: string): Promise<{ status: number; body: string }> {
    const transport = this.options.transport ?? fetchTransport;
    return transport(new URL(path, this.baseUrl).toString(), {
      timeoutMs: this.timeoutMs,
      headers: this.options.headers ?? {},
    });
  }

  private async get<T>(path: string): Promise<T> {
    const response = await this.request(path);
    const body = JSON.parse(response.body) as ApiResponse<T>;
    if (body.status !== "success") throw new Error(`${path}: ${body.error ?? `HTTP ${response.status}`}`);
    return body.data;
  }

  async ready(): Promise<boolean> {
    try {
      const response = await this.request("/-/ready");
      return response.status >= 200 && response.status < 300;
    } catch {
      return false;
    }
  }

  /** Loaded rule groups with each rule's health, sorted by file and group. */
  async ruleGroups(): Promise<RuleGroupHealth[]> {
    const data = await this.get<{
      groups: {
        name: string;
        file: string;
        rules: {
          name: string;
          query: string;
          health: string;
          lastError?: string;
          state?: string;
          alerts?: { activeAt?: string }[];
        }[];
      }[];
    }>("/api/v1/rules");
    return data.groups
      .map((g) => ({
        name: g.name,
        file: g.file,
        rules: g.rules.map((r) => ({
          name: r.name,
          query: r.query,
          health: r.health,
          lastError: r.lastError ?? "",
          ...(r.state !== undefined ? { state: r.state } : {}),
          ...activeSince(r.alerts),
        })),
      }))
      .sort((a, b) => a.file.localeCompare(b.file) || a.name.localeCompare(b.name));
  }

  /** URLs of the Alertmanagers Prometheus currently sends to. */
  async activeAlertmanagers(): Promise<string[]> {
    const data = await this.get<{ activeAlertmanagers: { url: string }[] }>("/api/v1/alertmanagers");
    return data.activeAlertmanagers.map((a) => a.url).sort();
  }

  /** The configuration Prometheus has loaded, as YAML text. */
  async loadedConfig(): Promise<string> {
    return (await this.get<{ yaml: string }>("/api/v1/status/config")).yaml;
  }

  async activeTargets(): Promise<TargetHealth[]> {
    const data = await this.get<{
      activeTargets: {
        labels: Record<string, string>;
        health: TargetHealth["health"];
        lastError: string;
        scrapeUrl: string;
      }[];
    }>("/api/v1/targets?state=active");
    return data.activeTargets
      .map((t) => ({
        job: t.labels["job"] ?? "",
        instance: t.labels["instance"] ?? "",
        health: t.health,
        lastError: t.lastError,
        scrapeUrl: t.scrapeUrl,
      }))
      .sort((a, b) => a.job.localeCompare(b.job) || a.instance.localeCompare(b.instance));
  }

  /** An instant query; returns the vector's samples as label sets with numeric values. */
  async query(expr: string): Promise<{ metric: Record<string, string>; value: number }[]> {
    const data = await this.get<{
      resultType: string;
      result: { metric: Record<string, string>; value: [number, string] }[];
    }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
    if (data.resultType !== "vector")
      throw new Error(`expected a vector from ${expr}, got ${data.resultType}`);
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }
}

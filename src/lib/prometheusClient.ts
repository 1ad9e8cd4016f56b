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

export class PrometheusClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 5000,
  ) {}

  private async get<T>(path: string): Promise<T> {
    const response = await fetch(new URL(path, this.baseUrl), {
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const body = (await response.json()) as ApiResponse<T>;
    if (body.status !== "success") throw new Error(`${path}: ${body.error ?? response.statusText}`);
    return body.data;
  }

  async ready(): Promise<boolean> {
    try {
      const response = await fetch(new URL("/-/ready", this.baseUrl), {
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return response.ok;
    } catch {
      return false;
    }
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

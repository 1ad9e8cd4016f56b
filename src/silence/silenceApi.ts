// Silences and alerts through Alertmanager's v2 API, or through Grafana's Alertmanager-compatible
// API when Grafana is the engine. Grafana serves the same payloads for its own Alertmanager under
// /api/alertmanager/grafana/api/v2 (grafana/grafana pkg/services/ngalert/api/
// generated_base_api_alertmanager.go: POST .../silences, GET .../silences, DELETE
// .../silence/{SilenceId}, GET .../alerts), and answers a created silence with 202 rather than
// 200 (api_alertmanager_silences.go RouteCreateSilence). Every answer is checked before use:
// it comes from the network.
import { z } from "zod";
import { UserError } from "../config/configError.js";
import type { HostHttp } from "../host/host.js";
import { escapeInvisible } from "../lib/log.js";
import { formatLabelMatcher, type LabelMatcher } from "../alerting/labelMatcher.js";
import type { PostableSilence } from "./silenceRequest.js";

export interface AlertmanagerAccess {
  /** Where requests go: the Alertmanager, or Grafana. */
  readonly baseUrl: string;
  readonly engine: "alertmanager" | "grafana";
  readonly headers: Readonly<Record<string, string>>;
  readonly http: HostHttp;
  /** For messages: "Alertmanager at http://127.0.0.1:9093 on mon". */
  readonly description: string;
}

const apiMatcher = z.object({
  name: z.string(),
  value: z.string(),
  isRegex: z.boolean(),
  isEqual: z.boolean().optional(),
});

const silenceSchema = z.object({
  id: z.string(),
  status: z.object({ state: z.string() }),
  matchers: z.array(apiMatcher),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string(),
});
export type Silence = z.infer<typeof silenceSchema>;

const alertSchema = z.object({
  labels: z.record(z.string(), z.string()),
  status: z.object({ state: z.string(), silencedBy: z.array(z.string()).nullish() }),
});
export type ApiAlert = z.infer<typeof alertSchema>;

/** Alertmanager (and Grafana) silence ids are UUIDs; anything else never reaches a URL path. */
const SILENCE_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isSilenceId(text: string): boolean {
  return SILENCE_ID.test(text);
}

export interface SilenceApi {
  create(silence: PostableSilence): Promise<string>;
  list(): Promise<Silence[]>;
  expire(id: string): Promise<void>;
  /** Alerts firing now (active, silenced or inhibited) that match every matcher. */
  alerts(matchers?: readonly LabelMatcher[]): Promise<ApiAlert[]>;
  /** Whether it answers at all, whatever the status: a server that is down does not. */
  answers(): Promise<boolean>;
}

export function silenceApi(access: AlertmanagerAccess): SilenceApi {
  const prefix = access.engine === "grafana" ? "/api/alertmanager/grafana/api/v2" : "/api/v2";
  const send = (method: string, path: string, body?: unknown) =>
    access.http(new URL(`${prefix}${path}`, access.baseUrl).toString(), {
      method,
      headers: { ...access.headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      timeoutMs: 10_000,
    });
  const request = async (method: string, path: string, ok: readonly number[], body?: unknown) => {
    const answer = await send(method, path, body);
    if (!answer)
      throw new UserError(`${access.description} did not answer`, { hint: "is the stack running?" });
    if (!ok.includes(answer.status)) {
      throw new UserError(`${access.description} answered ${answer.status}: ${excerpt(answer.body)}`, {
        ...(answer.status === 401 || answer.status === 403
          ? {
              hint: "stackmon uses the password Prometheus has for it: run as root (or as the user of stackmon up)",
            }
          : {}),
      });
    }
    return answer.body;
  };
  const parsed = <T>(schema: z.ZodType<T>, text: string, what: string): T => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new UserError(`${access.description} sent ${what} that is not JSON: ${excerpt(text)}`);
    }
    const result = schema.safeParse(json);
    if (!result.success)
      throw new UserError(`${access.description} sent ${what} stackmon does not understand`);
    return result.data;
  };
  return {
    create: async (silence) => {
      const body = await request("POST", "/silences", [200, 202], silence);
      return parsed(z.object({ silenceID: z.string() }), body, "a created silence").silenceID;
    },
    list: async () => parsed(z.array(silenceSchema), await request("GET", "/silences", [200]), "silences"),
    expire: async (id) => {
      if (!isSilenceId(id)) throw new UserError(`"${id}" is not a silence id`);
      await request("DELETE", `/silence/${encodeURIComponent(id)}`, [200]);
    },
    alerts: async (matchers = []) => {
      const filter = matchers.map((m) => `filter=${encodeURIComponent(formatLabelMatcher(m))}`).join("&");
      const body = await request("GET", `/alerts${filter ? `?${filter}` : ""}`, [200]);
      return parsed(z.array(alertSchema), body, "alerts");
    },
    answers: async () => (await send("GET", "/status")) !== undefined,
  };
}

/** The start of an answer, on one line, printable: enough to see what went wrong. */
function excerpt(text: string): string {
  return escapeInvisible(text.replace(/\s+/g, " ").trim().slice(0, 300)) || "(empty)";
}

// verify: asks the running stack, not the files, whether it works: every unit active and its
// endpoint answering, Prometheus ready, every target up, every rule group loaded and healthy,
// Alertmanager connected, samples arriving where Prometheus writes them, and every endpoint
// protected exactly as configured.
import { parse } from "yaml";
import { reachableAddress } from "../config/schemaParts.js";
import type { Host } from "../host/host.js";
import { PrometheusClient, type HttpTransport } from "../lib/prometheusClient.js";
import type { DesiredState, ScrapeJob, ServiceSpec } from "../render/desiredState.js";
import { maskedText } from "../render/fileContent.js";
import { serviceAnswers } from "../apply/readiness.js";
import { formatTable } from "../lib/textTable.js";
import { authHeadersFor } from "./endpointAuth.js";
import type { Check } from "./check.js";
import { notificationChecks } from "./notifications.js";
import { remoteWriteChecks } from "./remoteWrite.js";
import type { VerifyCheck } from "../alerting/alertRule.js";
import { alertCatalog } from "../alerting/catalog.js";
import { components } from "../components/registry.js";

export type { Check, CheckStatus } from "./check.js";

export interface VerifyInput {
  readonly desired: DesiredState;
  /** For unit states; a host without systemd skips them. */
  readonly host: Host;
  /** Alertmanager's recent log, for why notifications failed (absent: the counters alone). */
  readonly alertmanagerLog?: () => Promise<string | undefined>;
  /** How far back a failed notification counts as current: two group intervals and a minute. */
  readonly notificationWindowMs?: number;
  /** The jobs other hosts (a fleet's servers) scrape this host's endpoints with. */
  readonly scrapedBy?: readonly ScrapeJob[];
}

export function allPassed(checks: readonly Check[]): boolean {
  return checks.every((c) => c.status !== "fail");
}

/** Nothing failing and nothing left to wait for. */
export function settled(checks: readonly Check[]): boolean {
  return checks.every((c) => c.status !== "fail" && c.status !== "pending");
}

/** What is still pending when the waiting is over is reported as such, not as a failure. */
export function concluded(checks: readonly Check[]): Check[] {
  return checks.map((c) => (c.status === "pending" ? { ...c, status: "skip" } : c));
}

/** Prometheus's API over the host's HTTP. */
function transportOf(host: Host): HttpTransport {
  return async (url, options) => {
    const response = await host.http(url, options);
    if (!response) throw new Error(`no answer from ${url}`);
    return response;
  };
}

/** How Prometheus itself is reached: its endpoint, with the credentials its own scrape job uses. */
async function prometheusClient(input: VerifyInput): Promise<PrometheusClient | undefined> {
  const url = input.desired.endpoints.find((e) => e.role === "prometheus")?.url;
  if (!url) return undefined;
  const headers = await authHeadersFor(input.desired, url, async (path) =>
    (await input.host.files.read(path))?.toString("utf8"),
  );
  return new PrometheusClient(url, 5000, { headers, transport: transportOf(input.host) });
}

async function unitChecks(input: VerifyInput): Promise<Check[]> {
  const services = input.host.services;
  const checks: Check[] = [];
  for (const service of input.desired.services) {
    const name = `service ${service.unit}`;
    if (services) {
      const status = await services.status(service.unit);
      if (status.activeState !== "active") {
        checks.push({ check: name, status: "fail", detail: `${status.activeState} (${status.subState})` });
        continue;
      }
    }
    if (!service.listen) {
      checks.push({ check: name, status: "ok", detail: "active" });
      continue;
    }
    const { answers, url, status } = (await serviceAnswers(input.host.http, service, 3000)) ?? {};
    checks.push({
      check: name,
      status: answers ? "ok" : "fail",
      detail: answers
        ? `${services ? "active, " : ""}${url} answers ${status}`
        : `${url} ${status !== undefined ? `answers ${status}` : "does not answer"}`,
    });
  }
  return checks;
}

async function targetChecks(client: PrometheusClient): Promise<Check[]> {
  const targets = await client.activeTargets();
  if (targets.length === 0)
    return [{ check: "targets", status: "fail", detail: "Prometheus has no targets" }];
  return targets.map((t): Check => {
    const check = `target ${t.job} ${t.instance}`;
    if (t.health === "up") return { check, status: "ok", detail: "up" };
    // A target with a long interval (Duplicati: 5m) waits up to that long for its first scrape.
    if (t.health === "unknown") return { check, status: "pending", detail: "not scraped yet" };
    return { check, status: "fail", detail: `${t.health}${t.lastError ? `: ${t.lastError}` : ""}` };
  });
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[^/]*")
    .replace(/\?/g, "[^/]");
  return new RegExp(`^${escaped}$`);
}

/** Rule groups in the files Prometheus's loaded config names, as the desired state has them. */
function expectedRuleGroups(desired: DesiredState, ruleFiles: readonly string[]): string[] {
  const patterns = ruleFiles.map(globToRegExp);
  return desired.files
    .filter((f) => patterns.some((p) => p.test(f.path)))
    .flatMap((f) => {
      const document = parse(maskedText(f.content)) as { groups?: { name?: unknown }[] } | null;
      return (document?.groups ?? []).flatMap((g) => (typeof g.name === "string" ? [g.name] : []));
    })
    .sort();
}

async function ruleChecks(client: PrometheusClient, desired: DesiredState): Promise<Check[]> {
  const config = parse(await client.loadedConfig()) as { rule_files?: string[] } | null;
  const expected = expectedRuleGroups(desired, config?.rule_files ?? []);
  const loaded = await client.ruleGroups();
  const loadedNames = new Set(loaded.map((g) => g.name));
  const missing = expected.filter((name) => !loadedNames.has(name));
  const unhealthy = loaded.flatMap((g) =>
    g.rules.filter((r) => r.health === "err").map((r) => `${g.name}/${r.name}: ${r.lastError}`),
  );
  const ruleCount = loaded.reduce((n, g) => n + g.rules.length, 0);
  if (expected.length === 0 && loaded.length === 0)
    return [{ check: "rules", status: "skip", detail: "no rule files in the stack" }];
  if (missing.length > 0)
    return [{ check: "rules", status: "fail", detail: `not loaded: ${missing.join(", ")}` }];
  if (unhealthy.length > 0)
    return [{ check: "rules", status: "fail", detail: `failing: ${unhealthy.join("; ")}` }];
  return [
    {
      check: "rules",
      status: "ok",
      detail: `${loaded.length} groups, ${ruleCount} rules loaded and healthy`,
    },
  ];
}

async function alertmanagerChecks(client: PrometheusClient, desired: DesiredState): Promise<Check[]> {
  const wanted = desired.endpoints.filter((e) => e.role === "alertmanager");
  if (wanted.length === 0) return [];
  const active = await client.activeAlertmanagers();
  return wanted.map((endpoint) => {
    const host = new URL(endpoint.url).host;
    const connected = active.some((url) => new URL(url).host === host);
    return {
      check: `alertmanager ${host}`,
      status: connected ? "ok" : "fail",
      detail: connected
        ? "Prometheus sends alerts to it"
        : `Prometheus sends to: ${active.join(", ") || "nothing"}`,
    };
  });
}

/**
 * The always-firing Watchdog proves the whole path: Prometheus evaluates rules and Alertmanager
 * receives what fires. Pending until Prometheus has evaluated it once.
 */
const WATCHDOG_GRACE_SECONDS = 90;

async function watchdogCheck(client: PrometheusClient, input: VerifyInput): Promise<Check[]> {
  const alertmanagerUrl = input.desired.endpoints.find((e) => e.role === "alertmanager")?.url;
  const rule = (await client.ruleGroups()).flatMap((g) => g.rules).find((r) => r.name === "Watchdog");
  if (!alertmanagerUrl || !rule) return [];
  const check = "watchdog";
  if (rule.state !== "firing") {
    return [{ check, status: "pending", detail: "Prometheus has not evaluated the Watchdog yet" }];
  }
  const headers = await authHeadersFor(input.desired, alertmanagerUrl, async (path) =>
    (await input.host.files.read(path))?.toString("utf8"),
  );
  const url = new URL("/api/v2/alerts?active=true&filter=alertname%3D%22Watchdog%22", alertmanagerUrl);
  const response = await input.host.http(url.toString(), { headers });
  const received = response?.status === 200 && (JSON.parse(response.body) as unknown[]).length > 0;
  // Prometheus drops what fires before it has found Alertmanager and sends again only after its
  // resend delay (1 minute): until then, not having arrived is not yet a failure.
  const firingFor = Date.now() / 1000 - (rule.activeSince ?? 0);
  if (!received && response?.status === 200 && firingFor < WATCHDOG_GRACE_SECONDS) {
    return [{ check, status: "pending", detail: "fires in Prometheus; not yet in Alertmanager" }];
  }
  return [
    {
      check,
      status: received ? "ok" : "fail",
      detail: received
        ? "fires in Prometheus and has reached Alertmanager"
        : `fires in Prometheus but Alertmanager ${response ? `answers ${response.status} without it` : "does not answer"}`,
    },
  ];
}

/**
 * Alerts on the monitoring's own blind spots, evaluated now rather than after their `for`: a
 * collector that fails makes every alert built on it silent, which verify must not call healthy.
 */
async function blindSpotChecks(client: PrometheusClient): Promise<Check[]> {
  const verifyOf = new Map<string, VerifyCheck>(
    alertCatalog(components).flatMap((a) => (a.verify ? [[a.name, a.verify] as const] : [])),
  );
  // The rules as Prometheus loaded them: the expression with this stack's tuning, once per name.
  const loaded = new Map<string, { query: string; verify: VerifyCheck }>();
  for (const rule of (await client.ruleGroups()).flatMap((g) => g.rules)) {
    const verify = verifyOf.get(rule.name);
    if (verify) loaded.set(rule.name, { query: rule.query, verify });
  }
  const checks: Check[] = [];
  for (const [, { query, verify }] of [...loaded].sort(([a], [b]) => a.localeCompare(b))) {
    const failing = (await client.query(query))
      .map((r) => `${r.metric[verify.nameLabel] ?? "?"} at ${r.metric["instance"] ?? "?"}`)
      .sort();
    checks.push({
      check: verify.check,
      status: failing.length === 0 ? "ok" : "fail",
      detail: failing.length === 0 ? "none failing" : `failing: ${[...new Set(failing)].join(", ")}`,
    });
  }
  return checks;
}

/** The address a job actually scrapes for a target (a relabelled __address__ for probes). */
function scrapedAddresses(job: ScrapeJob): string[] {
  const replaced = job.relabelConfigs?.find((r) => r["target_label"] === "__address__")?.["replacement"];
  if (typeof replaced === "string") return [replaced];
  return job.staticConfigs.flatMap((sc) => sc.targets);
}

/**
 * An endpoint Prometheus scrapes with basic auth must refuse a request without credentials
 * (401); one it scrapes without must be open. A fleet's agent is asked about the endpoints the
 * servers scrape on it. Anything else means the config and the running
 * service disagree.
 */
async function protectionChecks(
  host: Host,
  desired: DesiredState,
  scrapedBy: readonly ScrapeJob[],
): Promise<Check[]> {
  const checks: Check[] = [];
  const jobs = [...desired.scrapeJobs, ...scrapedBy];
  for (const service of desired.services.filter(
    (s): s is ServiceSpec & { listen: NonNullable<ServiceSpec["listen"]> } => s.listen !== undefined,
  )) {
    const address = reachableAddress(service.listen);
    const job = jobs.find((j) => j.metricsPath === undefined && scrapedAddresses(j).includes(address));
    if (!job) continue;
    const url = `${service.scheme}://${address}${service.authProbePath ?? "/metrics"}`;
    const response = await host.http(url);
    const protectedByConfig = job.basicAuth !== undefined;
    const name = `endpoint ${service.id} ${address}`;
    if (!response) {
      checks.push({ check: name, status: "fail", detail: `${url} does not answer` });
    } else if (protectedByConfig) {
      checks.push({
        check: name,
        status: response.status === 401 ? "ok" : "fail",
        detail:
          response.status === 401
            ? `refuses a request without credentials (401)${service.scheme === "https" ? ", TLS" : ""}`
            : `answers ${response.status} without credentials: basic auth is not in force`,
      });
    } else {
      checks.push({
        check: name,
        status: response.status === 200 ? "ok" : "fail",
        detail: response.status === 200 ? "open, as configured" : `answers ${response.status}`,
      });
    }
  }
  return checks;
}

/** Runs every check; a check that cannot run is a failure that says why. */
export async function verifyStack(input: VerifyInput): Promise<Check[]> {
  const checks: Check[] = [...(await unitChecks(input))];
  const client = await prometheusClient(input);
  if (client) {
    const ready = await client.ready();
    checks.push({
      check: "prometheus ready",
      status: ready ? "ok" : "fail",
      detail: ready ? client.baseUrl : `${client.baseUrl}/-/ready does not answer 200`,
    });
    if (ready) {
      for (const [name, part] of [
        ["targets", () => targetChecks(client)],
        ["rules", () => ruleChecks(client, input.desired)],
        ["alertmanager", () => alertmanagerChecks(client, input.desired)],
        ["watchdog", () => watchdogCheck(client, input)],
        ["collectors", () => blindSpotChecks(client)],
        ["remote write", () => remoteWriteChecks(client)],
      ] as const) {
        try {
          checks.push(...(await part()));
        } catch (error) {
          checks.push({ check: name, status: "fail", detail: (error as Error).message });
        }
      }
    }
  }
  checks.push(...(await deliveryChecks(input)));
  checks.push(...(await protectionChecks(input.host, input.desired, input.scrapedBy ?? [])));
  return checks;
}

/** Whether Alertmanager's notifications reach Mattermost, asked of Alertmanager itself. */
async function deliveryChecks(input: VerifyInput): Promise<Check[]> {
  const alertmanagerUrl = input.desired.endpoints.find((e) => e.role === "alertmanager")?.url;
  if (!alertmanagerUrl) return [];
  const headers = await authHeadersFor(input.desired, alertmanagerUrl, async (path) =>
    (await input.host.files.read(path))?.toString("utf8"),
  );
  return notificationChecks({
    alertmanagerUrl,
    headers,
    http: input.host.http,
    ...(input.alertmanagerLog ? { log: input.alertmanagerLog } : {}),
    windowMs: input.notificationWindowMs ?? 11 * 60_000,
    now: new Date(),
  });
}

/** Checks as a table for people: CHECK STATUS DETAIL. */
export function formatChecks(checks: readonly Check[]): string {
  const rows = [
    ["CHECK", "STATUS", "DETAIL"],
    ...checks.map((c) => [c.check, c.status.toUpperCase(), c.detail]),
  ];
  const lines = [formatTable(rows)];
  const failed = checks.filter((c) => c.status === "fail").length;
  lines.push(
    "",
    failed === 0 ? `All ${checks.length} checks passed.` : `${failed} of ${checks.length} checks failed.`,
  );
  return lines.join("\n");
}

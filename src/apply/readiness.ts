// Whether a service came back after start, restart or reload: systemd keeps it active without
// restarting it, and its readiness endpoint answers. "Answers" is decided here once, for apply,
// verify and `up` alike.
import { reachableAddress } from "../config/schemaParts.js";
import type { HostHttp, HostServices, UnitStatus } from "../host/host.js";
import type { ServiceSpec } from "../render/desiredState.js";

/** Answers true once the service serves requests. */
export type ReadinessProbe = (service: ServiceSpec) => Promise<boolean>;

export interface ServiceAnswer {
  /** Whether it serves: any status but a server error or 404 (a 401 still proves it is up). */
  readonly answers: boolean;
  /** What was asked. */
  readonly url: string;
  /** The status it answered with; absent when nothing answered. */
  readonly status?: number;
}

/**
 * Asks the service's readiness endpoint, over the host's HTTP, whether it serves; undefined for
 * a service that listens nowhere (nothing to ask).
 */
export async function serviceAnswers(
  http: HostHttp,
  service: ServiceSpec,
  timeoutMs = 2000,
): Promise<ServiceAnswer | undefined> {
  if (!service.listen) return undefined;
  const url = `${service.scheme}://${reachableAddress(service.listen)}${service.readinessPath ?? "/"}`;
  const response = await http(url, { timeoutMs });
  if (!response) return { answers: false, url };
  return { answers: response.status < 500 && response.status !== 404, url, status: response.status };
}

/** The readiness probe over a host's HTTP; a service that listens nowhere is ready when running. */
export function httpReadiness(http: HostHttp): ReadinessProbe {
  return async (service) => (await serviceAnswers(http, service))?.answers ?? true;
}

export type Readiness = { readonly ready: true } | { readonly ready: false; readonly why: string };

function failing(status: UnitStatus, baseline: UnitStatus): string | undefined {
  if (status.activeState === "failed") return "systemd reports it failed";
  const replaced = baseline.mainPid !== 0 && status.mainPid !== 0 && status.mainPid !== baseline.mainPid;
  if (status.subState === "auto-restart" || status.restarts > baseline.restarts || replaced)
    return "it exited and systemd is restarting it";
  if (status.activeState === "inactive") return "it is not running";
  return undefined;
}

/**
 * Waits, right after a start, restart or reload, until the unit is active and `probe` says it
 * serves; without a probe (its previous files may listen elsewhere), until it has stayed up for
 * `settleMs`. A unit that exits or gets restarted by systemd meanwhile has not come back.
 */
export async function waitUntilReady(
  services: HostServices,
  service: ServiceSpec,
  probe: ReadinessProbe | undefined,
  timeoutMs: number,
  settleMs = 2000,
): Promise<Readiness> {
  const started = Date.now();
  const baseline = await services.status(service.unit);
  for (;;) {
    const status = await services.status(service.unit);
    const why = failing(status, baseline);
    if (why) return { ready: false, why };
    if (status.activeState === "active") {
      const settled = Date.now() - started >= Math.min(settleMs, timeoutMs);
      if (probe ? await probe(service) : settled) return { ready: true };
    }
    if (Date.now() - started >= timeoutMs) {
      return {
        ready: false,
        why: `it did not answer on ${service.readinessPath ?? "its port"} within ${Math.round(timeoutMs / 1000)}s`,
      };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

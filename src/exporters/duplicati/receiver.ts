// POST /report?token=…: where Duplicati's --send-http-* options deliver. Answers fast and never
// 5xx for bad input: after one failed target Duplicati skips its remaining ones.
import { createHash, timingSafeEqual } from "node:crypto";
import type { Logger } from "../../lib/log.js";
import type { Route, RouteResponse } from "../../lib/web/exporterServer.js";
import type { SelfMetrics } from "./metrics.js";
import { parseReportBody } from "./parseReport.js";
import type { BackupReport } from "./report.js";

/** What became of a report the token let in and the parser understood. */
export type ReportOutcome = "accepted" | "ignored" | "over-limit";

export interface ReceiverDeps {
  readonly token: string;
  /** Applies and persists a report: ignored when not a backup operation, over-limit when dropped. */
  readonly accept: (report: BackupReport) => ReportOutcome | Promise<ReportOutcome>;
  readonly metrics: SelfMetrics;
  readonly logger: Logger;
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** Constant-time: compares fixed-length digests, so neither length nor prefix leaks. */
export function tokenMatches(given: string | null, expected: string): boolean {
  return given !== null && timingSafeEqual(digest(given), digest(expected));
}

const UNAUTHORIZED: RouteResponse = { status: 401, body: "missing or wrong token\n" };

export async function handleReport(
  deps: ReceiverDeps,
  token: string | null,
  body: Buffer,
  contentType: string | undefined,
): Promise<RouteResponse> {
  if (!tokenMatches(token, deps.token)) {
    deps.metrics.reports.inc({ outcome: "unauthorized" });
    return UNAUTHORIZED;
  }
  try {
    const outcome = parseReportBody(body, contentType);
    if (outcome.kind === "rejected") {
      deps.metrics.reports.inc({ outcome: "rejected" });
      deps.logger.warn("report rejected", { reason: outcome.reason });
      return { status: 400, body: `rejected: ${outcome.reason}\n` };
    }
    const { report } = outcome;
    const accepted = await deps.accept(report);
    if (accepted === "ignored") {
      deps.metrics.reports.inc({ outcome: "ignored" });
      return { status: 200, body: `ignored: ${report.operation} is not a backup\n` };
    }
    if (accepted === "over-limit") {
      // 2xx all the same: Duplicati skips its remaining targets after a failed one.
      deps.metrics.reports.inc({ outcome: "over_limit" });
      return { status: 200, body: "dropped: the exporter tracks no more backups (--backups.max)\n" };
    }
    const partial = report.problems.length > 0;
    deps.metrics.reports.inc({ outcome: partial ? "partial" : "accepted" });
    deps.metrics.reportProblems.inc(report.problems.length);
    deps.logger.info("report accepted", {
      backup: report.backup.name,
      result: report.result,
      problems: partial ? report.problems.join("; ").slice(0, 300) : undefined,
    });
    return {
      status: 200,
      body: partial ? `accepted with ${report.problems.length} problem(s)\n` : "accepted\n",
    };
  } catch (error) {
    // A bug of ours must not look like a server failure to Duplicati either.
    deps.metrics.reports.inc({ outcome: "rejected" });
    deps.logger.error("report could not be processed", { err: (error as Error).message.slice(0, 200) });
    return { status: 400, body: "rejected: could not process this report\n" };
  }
}

export function reportRoute(deps: ReceiverDeps): Route {
  return {
    method: "POST",
    path: "/report",
    // Duplicati cannot send headers: it authenticates with the token in the query string,
    // checked before the body is read so that no one without it gets a body buffered.
    skipBasicAuth: true,
    authorize: (request) => {
      if (tokenMatches(request.query.get("token"), deps.token)) return undefined;
      deps.metrics.reports.inc({ outcome: "unauthorized" });
      return UNAUTHORIZED;
    },
    handle: (request) =>
      handleReport(deps, request.query.get("token"), request.body, request.headers["content-type"]),
  };
}

// Duplicati's HTTP reports → BackupReport. Pure: bytes and a content type in, a report (possibly
// with problems noted) or a reason for rejecting it out. Every shape in Duplicati's sources is
// handled: JSON (2.0.x and 2.1+), form bodies holding JSON or the text format, exception payloads.
import {
  BACKEND_VALUES,
  BYTE_SIZES,
  FILE_COUNTS,
  RESULTS,
  type BackupReport,
  type BackupResult,
} from "./report.js";
import { parseAnyDate, parseBoolean, parseNumber, parseTimeSpan } from "./dotnet.js";

export type ParseOutcome =
  | { readonly kind: "report"; readonly report: BackupReport }
  | { readonly kind: "rejected"; readonly reason: string };

type Fields = Record<string, unknown>;

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function parseReportBody(body: Uint8Array, contentType: string | undefined): ParseOutcome {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return rejected("body is not valid UTF-8");
  }
  if (text.trim() === "") return rejected("empty body");
  const isForm = /application\/x-www-form-urlencoded/i.test(contentType ?? "") || /^[\w-]+=/.test(text);
  if (isForm && !text.trimStart().startsWith("{")) return parseForm(text);
  return parseMessage(text, {});
}

function rejected(reason: string): ParseOutcome {
  return { kind: "rejected", reason };
}

/** A form body: `message=<text or JSON>` plus any --send-http-extra-parameters. */
function parseForm(text: string): ParseOutcome {
  const params = new URLSearchParams(text);
  const message = params.get("message");
  if (message === null) return rejected('form body without a "message" field');
  const extra: Record<string, string> = {};
  for (const [key, value] of params) if (key !== "message") extra[key] = value;
  return parseMessage(message, extra);
}

function parseMessage(message: string, formExtra: Record<string, string>): ParseOutcome {
  const trimmed = message.trim();
  if (trimmed.startsWith("{")) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (error) {
      return rejected(`invalid JSON: ${(error as Error).message}`);
    }
    if (!isObject(json)) return rejected("JSON report is not an object");
    return fromJson(json, formExtra);
  }
  return fromText(trimmed, formExtra);
}

function isObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringValues(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  return Object.fromEntries(
    Object.entries(value).flatMap(([k, v]) =>
      typeof v === "string" || typeof v === "number" ? [[k, String(v)]] : [],
    ),
  );
}

function fromJson(json: Fields, formExtra: Record<string, string>): ParseOutcome {
  const extra = { ...stringValues(json["Extra"]), ...formExtra };
  const data: Fields = isObject(json["Data"]) ? json["Data"] : "ParsedResult" in json ? json : {};
  const exception =
    typeof json["Exception"] === "string" && json["Exception"] !== "" ? json["Exception"] : undefined;
  const looksLikeException = "ClassName" in data || ("Message" in data && "StackTraceString" in data);
  return build(data, extra, { exception: exception !== undefined || looksLikeException, name: undefined });
}

/**
 * The "Duplicati" text format: a title line, then `Key: Value` lines (nested statistics indented),
 * then `Log data:` and log lines. Exceptions appear as `Failed: ...` and `Details: ...`.
 */
function fromText(text: string, formExtra: Record<string, string>): ParseOutcome {
  const lines = text.split(/\r?\n/);
  const title = /^Duplicati (\w+) report for (.+)$/.exec(lines[0]?.trim() ?? "");
  const data: Fields = {};
  let failed = false;
  for (const line of lines.slice(title ? 1 : 0)) {
    if (/^\s*Log data:/.test(line)) break;
    const match = /^\s*([A-Za-z][\w-]*):\s?(.*)$/.exec(line);
    if (!match?.[1]) continue;
    const [, key, value = ""] = match;
    if (key === "Failed" || key === "Details") failed = true;
    if (!(key in data)) data[key] = value.trim();
  }
  if (!title && Object.keys(data).length === 0)
    return rejected("neither JSON nor Duplicati's text report format");
  if (title?.[1] && !("MainOperation" in data)) data["MainOperation"] = title[1];
  return build(data, formExtra, { exception: failed, name: title?.[2]?.trim() });
}

function build(
  data: Fields,
  extra: Record<string, string>,
  context: { exception: boolean; name: string | undefined },
): ParseOutcome {
  const problems: string[] = [];
  const name = extra["backup-name"] ?? context.name ?? "";
  const machineId = extra["machine-id"] ?? "";
  const backupId = extra["backup-id"] ?? "";
  if (name === "" && (machineId === "" || backupId === "")) {
    return rejected("cannot tell which backup this is: no backup-name, and no machine-id with backup-id");
  }
  const key = machineId !== "" && backupId !== "" ? `id:${machineId}/${backupId}` : `name:${name}`;

  const result = resultOf(data, context.exception, problems);
  const number = (field: string, from: Fields = data): number | undefined => {
    if (!(field in from) || from[field] === null || from[field] === "") return undefined;
    const value = parseNumber(from[field]);
    if (value === undefined) problems.push(`${field} is not a number`);
    return value;
  };
  const date = (field: string): number | undefined => {
    const raw = data[field];
    if (typeof raw !== "string" || raw === "") return undefined;
    const value = parseAnyDate(raw);
    if (value === undefined && !raw.startsWith("0001-01-01")) problems.push(`${field} is not a date`);
    return value;
  };
  const backendStats = isObject(data["BackendStatistics"]) ? data["BackendStatistics"] : data;
  const pick = <K extends string>(map: Record<K, string>, from: Fields) =>
    Object.fromEntries(
      Object.entries<string>(map).flatMap(([metric, field]) => {
        const value = number(field, from);
        // Duplicati sends -1 for "unknown" quota values.
        return value === undefined || value < 0 ? [] : [[metric, value]];
      }),
    ) as Partial<Record<K, number>>;

  const backend = pick(BACKEND_VALUES, backendStats);
  // A destination without quota support reports a total of 0 (or -1): no quota, not a full disk.
  if (!backend.quotaTotal) {
    delete backend.quotaTotal;
    delete backend.quotaFree;
  }
  const durationRaw = data["Duration"];
  const duration =
    typeof durationRaw === "string" && durationRaw !== "" ? parseTimeSpan(durationRaw) : undefined;
  if (typeof durationRaw === "string" && durationRaw !== "" && duration === undefined)
    problems.push("Duration is not a TimeSpan");
  const beginTime = date("BeginTime");
  const endTime = date("EndTime");
  const nextRunText = extra["next-scheduled-run"];
  const nextScheduledRun = nextRunText ? parseAnyDate(nextRunText) : undefined;
  if (nextRunText && nextScheduledRun === undefined) problems.push("next-scheduled-run is not a date");
  const interrupted = parseBoolean(data["Interrupted"]);
  const partial = parseBoolean(data["PartialBackup"]);
  const warnings = number("WarningsActualLength");
  const errors = number("ErrorsActualLength");

  const report: BackupReport = {
    backup: { key, name: name || `${machineId}/${backupId}`, machine: extra["machine-name"] ?? "", backupId },
    operation: stringField(data["MainOperation"]) ?? extra["OperationName"] ?? "Backup",
    result,
    ...(beginTime !== undefined ? { beginTime } : {}),
    ...(endTime !== undefined ? { endTime } : {}),
    ...(duration !== undefined ? { durationSeconds: duration } : {}),
    files: pick(FILE_COUNTS, data),
    bytes: pick(BYTE_SIZES, data),
    backend,
    ...(warnings !== undefined ? { warnings } : {}),
    ...(errors !== undefined ? { errors } : {}),
    ...(nextScheduledRun !== undefined ? { nextScheduledRun } : {}),
    ...(interrupted !== undefined ? { interrupted } : {}),
    ...(partial !== undefined ? { partial } : {}),
    problems,
  };
  return { kind: "report", report };
}

function stringField(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** ParsedResult as sent; an exception-shaped payload is Fatal; anything else Unknown, noted. */
function resultOf(data: Fields, exception: boolean, problems: string[]): BackupResult {
  const raw = data["ParsedResult"];
  if (typeof raw === "string") {
    const known = RESULTS.find((r) => r.toLowerCase() === raw.trim().toLowerCase());
    if (known) return known;
    problems.push(`unknown ParsedResult "${raw.slice(0, 40)}"`);
  }
  if (exception) return "Fatal";
  if (raw === undefined) problems.push("no ParsedResult");
  return "Unknown";
}

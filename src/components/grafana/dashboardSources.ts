// Dashboards people add to the stackmon folder, or put in place of one of the stack's: read and
// checked while stackmon.yml is loaded (like the file itself, through the config's file-reading
// port), so that a missing or broken file is an error at its key's position and neither the
// schema nor render reads the disk. Parsing is apart from the reading.
import { join } from "node:path";
import { z } from "zod";
import type { ConfigFiles } from "../../config/configFiles.js";

/** Grafana's rule for uids: what links and the file provider key a dashboard on. */
export const DASHBOARD_UID = /^[A-Za-z0-9_-]{1,40}$/;

export interface DashboardFromFile {
  readonly uid: string;
  readonly title: string;
  readonly json: Readonly<Record<string, unknown>>;
  /** The file it was read from, for messages. */
  readonly file: string;
}

export type ParsedDashboard =
  | { readonly ok: true; readonly dashboard: DashboardFromFile }
  | { readonly ok: false; readonly problem: string };

/**
 * A dashboard JSON as Grafana's file provider needs it: an object with a title and, unless the
 * caller supplies one, a uid. Pure.
 */
export function parseDashboardJson(text: string, file: string, uid?: string): ParsedDashboard {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `${file} is not valid JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return { ok: false, problem: `${file} is not a dashboard: its JSON is not an object` };
  const json = value as Record<string, unknown>;
  // An export "for sharing externally" carries ${DS_...} placeholders only the UI import resolves.
  if ("__inputs" in json)
    return {
      ok: false,
      problem: `${file} is an export for sharing externally (it has __inputs): export it without that option, or use the datasource uid stackmon-prometheus`,
    };
  if (typeof json["title"] !== "string" || json["title"] === "")
    return { ok: false, problem: `${file} is not a dashboard: it has no "title"` };
  const own = json["uid"];
  if (own !== undefined && own !== null && (typeof own !== "string" || !DASHBOARD_UID.test(own)))
    return { ok: false, problem: `${file}: its "uid" must be 1 to 40 letters, digits, - or _` };
  if (uid !== undefined && typeof own === "string" && own !== uid)
    return { ok: false, problem: `${file}: its uid is "${own}", not "${uid}"` };
  const found = uid ?? (typeof own === "string" ? own : undefined);
  if (found === undefined)
    return { ok: false, problem: `${file} has no "uid": give it one, so that links to it stay valid` };
  return { ok: true, dashboard: { uid: found, title: json["title"], json, file } };
}

function readDashboardFile(files: ConfigFiles, file: string, uid?: string): ParsedDashboard {
  const read = files.read(file);
  if ("problem" in read) return { ok: false, problem: `cannot read ${file} (${read.problem})` };
  return parseDashboardJson(read.text, file, uid);
}

/** A file, or every *.json directly in a folder (sorted, so the order never depends on the disk). */
function dashboardFilesAt(
  files: ConfigFiles,
  path: string,
): { readonly files: readonly string[] } | { readonly problem: string } {
  const listing = files.list(path);
  if ("problem" in listing) return { problem: `cannot read ${path} (${listing.problem})` };
  if (listing.kind === "file") return { files: [path] };
  return { files: listing.entries.filter((name) => name.endsWith(".json")).map((name) => join(path, name)) };
}

const absolutePath = z.string().startsWith("/", "must be an absolute path");

/** extra_dashboards: files or folders of dashboard JSON added to the stackmon folder. */
export const extraDashboardsSchema = z.array(absolutePath).default([]);

/** dashboards.<uid>: the stack's dashboard with that uid, left out or replaced by a file. */
export const dashboardOverridesSchema = z
  .record(
    z.string().regex(DASHBOARD_UID, "must be a dashboard uid: 1 to 40 letters, digits, - or _"),
    z
      .strictObject({
        enabled: z.boolean().default(true),
        /** A dashboard JSON that takes the place of the stack's own. */
        file: absolutePath.optional(),
      })
      .refine((o) => o.enabled !== (o.file === undefined), {
        message: "give either file (a dashboard JSON in its place) or enabled: false",
      }),
  )
  .default({});

export interface DashboardOverride {
  readonly enabled: boolean;
  readonly dashboard?: DashboardFromFile;
}

/** An extra dashboard, with which entry of extra_dashboards named it. */
export interface ExtraDashboard extends DashboardFromFile {
  readonly index: number;
}

export interface LoadedDashboards {
  readonly extra: readonly ExtraDashboard[];
  /** By uid, sorted. */
  readonly overrides: Readonly<Record<string, DashboardOverride>>;
}

/** Before the files are read (and for a Grafana that is off). */
export const NO_DASHBOARD_FILES: LoadedDashboards = { extra: [], overrides: {} };

type IssueSink = (path: readonly (string | number)[], message: string) => void;

/** Reads every file `extra_dashboards` and `dashboards` name; each problem goes to `issue`. */
export function loadDashboards(
  files: ConfigFiles,
  settings: {
    readonly extra_dashboards: readonly string[];
    readonly dashboards: Readonly<Record<string, { readonly enabled: boolean; readonly file?: string }>>;
  },
  issue: IssueSink,
): LoadedDashboards {
  const extra: ExtraDashboard[] = [];
  const seen = new Map<string, string>();
  settings.extra_dashboards.forEach((path, i) => {
    const found = dashboardFilesAt(files, path);
    if ("problem" in found) return issue(["extra_dashboards", i], found.problem);
    for (const file of found.files) {
      const parsed = readDashboardFile(files, file);
      if (!parsed.ok) {
        issue(["extra_dashboards", i], parsed.problem);
        continue;
      }
      const other = seen.get(parsed.dashboard.uid);
      if (other !== undefined) {
        issue(["extra_dashboards", i], `${file}: uid "${parsed.dashboard.uid}" is also the uid of ${other}`);
        continue;
      }
      seen.set(parsed.dashboard.uid, file);
      extra.push({ ...parsed.dashboard, index: i });
    }
  });
  const overrides: Record<string, DashboardOverride> = {};
  for (const uid of Object.keys(settings.dashboards).sort()) {
    const override = settings.dashboards[uid];
    if (!override) continue;
    if (override.file === undefined) {
      overrides[uid] = { enabled: override.enabled };
      continue;
    }
    const parsed = readDashboardFile(files, override.file, uid);
    if (!parsed.ok) issue(["dashboards", uid, "file"], parsed.problem);
    else overrides[uid] = { enabled: true, dashboard: parsed.dashboard };
  }
  return { extra: extra.sort((a, b) => a.uid.localeCompare(b.uid)), overrides };
}

// Grafana's provisioning files, as data then YAML/JSON: the datasources (stable uids that
// dashboards and alert rules refer to), the provider that loads the stackmon folder from files,
// and each dashboard as <uid>.json with sorted keys, so the same stack gives the same bytes.
import { stringify } from "yaml";
import { GRAFANA_FOLDER } from "../shared/grafanaDatasources.js";
import { fromFile } from "./grafanaIni.js";

const HEADER = "# Rendered by stackmon; edits are overwritten on the next apply.\n";

export interface DatasourceCredentials {
  readonly username: string;
  /** A file Grafana may read, holding the password. */
  readonly passwordFile: string;
}

export interface ProvisionedDatasource {
  readonly name: string;
  readonly type: "prometheus" | "alertmanager";
  readonly uid: string;
  readonly url: string;
  readonly isDefault: boolean;
  readonly jsonData: Readonly<Record<string, string | boolean>>;
  readonly basicAuth?: DatasourceCredentials;
  /** The certificate authority its certificate is checked against, and the name it must carry. */
  readonly trust?: { readonly caFile: string; readonly serverName: string };
}

/**
 * Grafana expands $VAR and $__file{...} in every provisioned value; `$$` is a literal dollar. A
 * value from stackmon.yml must stay what it says.
 */
export function literal(value: string): string {
  return value.replaceAll("$", () => "$$");
}

function datasourceEntry(ds: ProvisionedDatasource): Record<string, unknown> {
  return {
    name: ds.name,
    type: ds.type,
    uid: ds.uid,
    access: "proxy",
    url: literal(ds.url),
    isDefault: ds.isDefault,
    editable: false,
    ...(ds.basicAuth ? { basicAuth: true, basicAuthUser: literal(ds.basicAuth.username) } : {}),
    jsonData: {
      ...ds.jsonData,
      ...(ds.trust ? { tlsAuthWithCACert: true, serverName: literal(ds.trust.serverName) } : {}),
    },
    ...(ds.basicAuth || ds.trust
      ? {
          secureJsonData: {
            ...(ds.basicAuth ? { basicAuthPassword: fromFile(ds.basicAuth.passwordFile) } : {}),
            ...(ds.trust ? { tlsCACert: fromFile(ds.trust.caFile) } : {}),
          },
        }
      : {}),
  };
}

/** prune: a datasource dropped from this file is removed from Grafana too. */
export function renderDatasources(datasources: readonly ProvisionedDatasource[]): string {
  const sorted = [...datasources].sort((a, b) => a.uid.localeCompare(b.uid));
  return `${HEADER}${stringify({ apiVersion: 1, prune: true, datasources: sorted.map(datasourceEntry) })}`;
}

/**
 * The files are the source of truth: the UI can neither save over a dashboard nor delete it, and
 * a file removed by stackmon removes its dashboard.
 */
export function renderDashboardProvider(dashboardDir: string): string {
  return `${HEADER}${stringify({
    apiVersion: 1,
    providers: [
      {
        name: GRAFANA_FOLDER,
        orgId: 1,
        type: "file",
        folder: GRAFANA_FOLDER,
        folderUid: GRAFANA_FOLDER,
        disableDeletion: true,
        allowUiUpdates: false,
        // apply also asks Grafana to re-read them at once; this is the fallback.
        updateIntervalSeconds: 30,
        options: { path: dashboardDir, foldersFromFilesStructure: false },
      },
    ],
  })}`;
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return Object.fromEntries(entries.map(([key, child]) => [key, sortedKeys(child)]));
}

/**
 * A dashboard as the file provider loads it: its uid is the file's, and no database `id` (a stale
 * one from an export would clash with the dashboard Grafana already has).
 */
export function dashboardFileText(uid: string, json: Readonly<Record<string, unknown>>): string {
  const { id: _id, ...rest } = json;
  return `${JSON.stringify(sortedKeys({ ...rest, uid }), null, 2)}\n`;
}

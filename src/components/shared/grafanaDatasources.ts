// The uids Grafana's provisioned datasources carry. Dashboards and Grafana-managed alert rules
// refer to datasources by these, so they must never change. And the dashboards' datasource picker.
export const PROMETHEUS_DATASOURCE_UID = "stackmon-prometheus";
export const ALERTMANAGER_DATASOURCE_UID = "stackmon-alertmanager";
/** Long-term storage (VictoriaMetrics), PromQL like Prometheus: the default when the stack has one. */
export const STORAGE_DATASOURCE_UID = "stackmon-storage";
/** The stack's overview dashboard, beside the components' own. */
export const OVERVIEW_DASHBOARD_UID = "stackmon-overview";
/** The folder the dashboards and alert rules live in (also its uid). */
export const GRAFANA_FOLDER = "stackmon";

/** The dashboards' template variable that picks the datasource every panel reads. */
export const DATASOURCE_VARIABLE = "datasource";

/**
 * A stack dashboard whose datasource picker starts at `uid`: Grafana's default datasource, the
 * long-term storage when the stack has one. Panels follow the picker, so they read from it.
 */
export function withDatasourceDefault(
  json: Readonly<Record<string, unknown>>,
  uid: string,
): Readonly<Record<string, unknown>> {
  const templating = json["templating"] as { list?: readonly Record<string, unknown>[] } | undefined;
  if (!templating?.list) return json;
  const list = templating.list.map((variable) =>
    variable["name"] === DATASOURCE_VARIABLE && variable["type"] === "datasource"
      ? { ...variable, current: { selected: true, text: uid, value: uid } }
      : variable,
  );
  return { ...json, templating: { ...templating, list } };
}

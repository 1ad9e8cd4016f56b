// The uids Grafana's provisioned datasources carry. Dashboards and Grafana-managed alert rules
// refer to datasources by these, so they must never change.
export const PROMETHEUS_DATASOURCE_UID = "stackmon-prometheus";
export const ALERTMANAGER_DATASOURCE_UID = "stackmon-alertmanager";
/** Long-term storage (VictoriaMetrics), PromQL like Prometheus: the default when the stack has one. */
export const STORAGE_DATASOURCE_UID = "stackmon-storage";
/** The folder the dashboards and alert rules live in (also its uid). */
export const GRAFANA_FOLDER = "stackmon";

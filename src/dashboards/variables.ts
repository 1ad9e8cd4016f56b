// Template variables every stackmon dashboard shares: the Prometheus datasource, whose default is
// the provisioned uid (never an import placeholder), and label variables filled from Prometheus.
import {
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import type { DataSourceRef } from "@grafana/grafana-foundation-sdk/common";
import { PROMETHEUS_DATASOURCE_UID } from "../components/shared/grafanaDatasources.js";

export const DATASOURCE_VARIABLE = "datasource";

/** What every panel, query and variable refers to: the datasource variable. */
export const PROMETHEUS: DataSourceRef = { type: "prometheus", uid: `\${${DATASOURCE_VARIABLE}}` };

/** The datasource picker; its default is the datasource Grafana is provisioned with. */
export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder(DATASOURCE_VARIABLE)
    .label("Data source")
    .type("prometheus")
    .current({ selected: true, text: PROMETHEUS_DATASOURCE_UID, value: PROMETHEUS_DATASOURCE_UID });
}

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

/**
 * A multi-select of one label's values among a selector's series, "All" by default. "All" is `.+`
 * rather than the list of values, so a series that appears later is not left out.
 */
export function labelVariable(
  name: string,
  display: string,
  selector: string,
  labelName: string = name,
): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(display)
    .query(`label_values(${selector}, ${labelName})`)
    .datasource(PROMETHEUS)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue(".+")
    .current({ selected: true, text: ["All"], value: ["$__all"] });
}

/** The hosts a job runs on (local jobs label them with the host name). */
export function instanceVariable(job: string): QueryVariableBuilder {
  return labelVariable("instance", "Instance", `up{job="${job}"}`);
}

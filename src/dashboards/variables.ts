// Template variables every stackmon dashboard shares: the Prometheus datasource, whose default is
// the provisioned uid (never an import placeholder), and label variables filled from Prometheus.
import type {
  DatasourceVariableBuilder,
  QueryVariableBuilder,
} from "@grafana/grafana-foundation-sdk/dashboard";
import type { DataSourceRef } from "@grafana/grafana-foundation-sdk/common";
import { DATASOURCE_VARIABLE, PROMETHEUS_DATASOURCE_UID } from "../components/shared/grafanaDatasources.js";
import { dashboard } from "./grafanaSdk.js";

/** What every panel, query and variable refers to: the datasource variable. */
export const PROMETHEUS: DataSourceRef = { type: "prometheus", uid: `\${${DATASOURCE_VARIABLE}}` };

/** The datasource picker; its default is the datasource Grafana is provisioned with. */
export function datasourceVariable(): DatasourceVariableBuilder {
  return new dashboard.DatasourceVariableBuilder(DATASOURCE_VARIABLE)
    .label("Data source")
    .type("prometheus")
    .current({ selected: true, text: PROMETHEUS_DATASOURCE_UID, value: PROMETHEUS_DATASOURCE_UID });
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
  return new dashboard.QueryVariableBuilder(name)
    .label(display)
    .query(`label_values(${selector}, ${labelName})`)
    .datasource(PROMETHEUS)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue(".+")
    .current({ selected: true, text: ["All"], value: ["$__all"] });
}

/** The hosts a job runs on (local jobs label them with the host name). */
export function instanceVariable(job: string): QueryVariableBuilder {
  return labelVariable("instance", "Instance", `up{job="${job}"}`);
}

// stackmon dashboards: the Grafana dashboards this config gives, panel by panel with its queries.
import { inventoryOf } from "../dashboards/inventory.js";
import { formatDashboards } from "../dashboards/format.js";
import { stackDashboards } from "../dashboards/stackDashboards.js";
import { HOST_TARGET, loadStackConfig } from "../stack.js";
import { parseCommandArgs } from "./args.js";
import { CONFIG_FLAG_HELP, EXIT, printHelp, type Command } from "./command.js";

export const dashboardsCommand: Command = {
  name: "dashboards",
  help: `Usage: stackmon dashboards [-c FILE] [--json]

Lists the dashboards Grafana gets from this configuration, as installed on a host: the overview
and one per enabled component, each with its panels (row, title, kind, unit) and the PromQL of
every query, with template variables such as $instance as Grafana fills them in. A panel that
may be empty on a healthy stack says when. Dashboards are at /d/<uid> in Grafana.

${CONFIG_FLAG_HELP}
      --json            the dashboards, panels and queries as JSON`,
  run: (argv) => {
    const args = parseCommandArgs(argv, { json: { type: "boolean", default: false } });
    if (args.help) return Promise.resolve(printHelp(dashboardsCommand));
    const inventories = stackDashboards(loadStackConfig(args.config), HOST_TARGET).map(inventoryOf);
    console.log(
      args.values["json"] === true
        ? JSON.stringify({ dashboards: inventories }, null, 2)
        : formatDashboards(inventories),
    );
    return Promise.resolve(EXIT.ok);
  },
};

// stackmon test-alert: a synthetic alert through the running pipeline; did Mattermost take it?
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { SEVERITIES, type Severity } from "../alerting/alertRule.js";
import { alertmanagerLogReader } from "../alerting/alertmanagerLog.js";
import { alertingSettingsOf } from "../alerting/catalog.js";
import { mattermostRoutes } from "../alerting/mattermost.js";
import { sendTestAlert } from "../alerting/testAlert.js";
import { UserError } from "../config/configError.js";
import { localHost } from "../host/localHost.js";
import { parseDuration } from "../lib/duration.js";
import { HOST_TARGET, loadStackConfig, renderStack } from "../stack.js";
import { authHeadersFor } from "../verify/endpointAuth.js";
import { parseCommandArgs, stringFlag } from "./args.js";
import { CONFIG_FLAG_HELP, EXIT, printHelp, type Command } from "./command.js";

export const testAlertCommand: Command = {
  name: "test-alert",
  help: `Usage: stackmon test-alert [-c FILE] [--severity warning|critical|info] [--wait DURATION] [--dir DIR]

Posts a test alert (StackmonTestAlert) to the running Alertmanager, which routes it by its
severity to that severity's Mattermost channel, waits for the delivery, and reports whether
Mattermost accepted it -- or what Mattermost answered, and what that means -- then resolves it,
so the channel also shows the resolved message.
Exit status 0 when Mattermost accepted it, 2 when it was not delivered, 1 for a config problem.

${CONFIG_FLAG_HELP}
      --severity LEVEL  which route to test (default warning; critical mentions the channel)
      --wait DURATION   how long to wait for the delivery (default: group_wait + group_interval + 30s)
      --dir DIR         the work directory of a stack run by \`stackmon up --dir DIR\``,
  run: async (argv) => {
    const args = parseCommandArgs(argv, {
      severity: { type: "string", default: "warning" },
      wait: { type: "string" },
      dir: { type: "string" },
    });
    if (args.help) return printHelp(testAlertCommand);
    const severity = stringFlag(args, "severity") ?? "warning";
    if (!SEVERITIES.includes(severity as Severity)) {
      throw new UserError(`--severity: "${severity}" is not one of ${SEVERITIES.join(", ")}`);
    }
    const config = loadStackConfig(args.config);
    const alerting = alertingSettingsOf(config);
    if (alerting.engine !== "alertmanager") {
      throw new UserError(
        "test-alert goes through Alertmanager; with alerting.engine: grafana use the contact point's Test button in Grafana",
      );
    }
    if (!mattermostRoutes(alerting).some((r) => r.severity === severity)) {
      throw new UserError(`${severity} alerts are not sent to Mattermost`, {
        hint: `configure alerting.mattermost (and alerting.mattermost.${severity} for info)`,
      });
    }
    const desired = renderStack(config, HOST_TARGET);
    const alertmanagerUrl = desired.endpoints.find((e) => e.role === "alertmanager")?.url;
    if (!alertmanagerUrl) throw new UserError("Alertmanager is not enabled in this config");
    const waitText = stringFlag(args, "wait");
    const waitMs = waitText
      ? parseDuration(waitText)
      : (parseDuration(alerting.group_wait) ?? 0) + (parseDuration(alerting.group_interval) ?? 0) + 30_000;
    if (waitMs === undefined) throw new UserError(`--wait: "${waitText}" is not a duration`);
    const dir = stringFlag(args, "dir") ?? "";
    const headers = await authHeadersFor(desired, alertmanagerUrl, (path) =>
      readFile(join(dir, path), "utf8").catch(() => undefined),
    );
    const alertmanagerLog = alertmanagerLogReader(desired, await localHost(), stringFlag(args, "dir"));
    const result = await sendTestAlert({
      alertmanagerUrl,
      headers,
      severity: severity as Severity,
      hostname: config.global.hostname ?? hostname(),
      waitMs,
      log: (message) => console.log(message),
      ...(alertmanagerLog ? { alertmanagerLog } : {}),
    });
    console.log(result.delivered ? `delivered: ${result.detail}` : `not delivered: ${result.detail}`);
    return result.delivered ? EXIT.ok : EXIT.notDelivered;
  },
};

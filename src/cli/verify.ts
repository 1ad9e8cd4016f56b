// stackmon verify: asks the running stack whether it works; a table for people, JSON for
// machines, and an exit status for cron.
import { alertmanagerLogReader } from "../alerting/alertmanagerLog.js";
import { alertingSettingsOf } from "../alerting/catalog.js";
import { UserError } from "../config/configError.js";
import { connectorFor } from "../fleet/connect.js";
import type { Fleet } from "../fleet/fleet.js";
import { hasRole } from "../fleet/inventory.js";
import { findHost } from "../fleet/renderFleet.js";
import { verifyFleet } from "../fleet/verifyFleet.js";
import { renderRunnable } from "../host/supervisor/supervisor.js";
import { logEvent } from "../lib/cliLog.js";
import type { DesiredState } from "../render/desiredState.js";
import { parseDuration } from "../lib/duration.js";
import { formatTable } from "../lib/textTable.js";
import { HOST_TARGET, renderFleetHost } from "../stack.js";
import { allPassed, formatChecks, type Check } from "../verify/verify.js";
import { parseCommandArgs, stringFlag } from "./args.js";
import {
  fleetOf,
  FLEET_FLAGS,
  sshConfigOf,
  FLEET_FLAGS_HELP,
  parallelOf,
  selectedHosts,
} from "./fleetArgs.js";
import { CONFIG_FLAG_HELP, EXIT, printHelp, type Command } from "./command.js";

export const verifyCommand: Command = {
  name: "verify",
  help: `Usage: stackmon verify [-c FILE] [--json] [--wait DURATION] [--dir DIR] [--host NAME]... [--parallel N]

Asks the running stack, not the files: every unit active and answering, Prometheus ready, every
target up, every rule group loaded and healthy, Alertmanager connected, the always-firing
Watchdog alert arrived in Alertmanager (the whole alert path works), notifications delivered
(Alertmanager's failed-notification counters and, from its log, which receiver failed lately and
what Mattermost answered), samples arriving where Prometheus writes them (the long-term storage,
any remote_write: answered, recent, none refused), and every endpoint protected as configured (a
request without credentials to a protected endpoint gets 401).
With an inventory (hosts:), every host is asked about itself, and each server about every
host's targets; one table with a HOST column.

Exit status: 0 all checks passed, 2 a check failed, 1 a problem with the config.
For cron: \`stackmon verify -c /etc/stackmon/stackmon.yml --json || alert\`.

${CONFIG_FLAG_HELP}
${FLEET_FLAGS_HELP}
      --json            the checks as JSON
      --wait DURATION   retry until every check passes or this much time has passed (default 0s)
      --dir DIR         the work directory of a stack run by \`stackmon up --dir DIR\` (its logs)`,
  run: async (argv) => {
    const args = parseCommandArgs(argv, {
      json: { type: "boolean", default: false },
      wait: { type: "string", default: "0s" },
      ...FLEET_FLAGS,
      dir: { type: "string" },
    });
    if (args.help) return printHelp(verifyCommand);
    const waitMs = parseDuration(stringFlag(args, "wait") ?? "0s");
    if (waitMs === undefined) throw new UserError(`--wait: "${stringFlag(args, "wait")}" is not a duration`);
    const fleet = fleetOf(args);
    const rendered = renderedOnce(fleet);
    // The servers scrape every host: each host is asked whether what they scrape is protected.
    const servers = fleet.hosts.filter((h) => hasRole(h, "server")).map((h) => h.name);
    const outcomes = await verifyFleet({
      fleet,
      hosts: selectedHosts(args, fleet),
      parallel: parallelOf(args),
      connect: connectorFor(fleet, { needsServices: false, asUser: true, ...sshConfigOf(args) }),
      log: logEvent,
      waitMs,
      desiredFor: (name, host) =>
        // Without systemd the stack is one `stackmon up` runs: without what is not installed here.
        !fleet.inventory && !host.services
          ? renderRunnable(findHost(fleet, name).config, HOST_TARGET)
          : rendered(name),
      deliveryFor: (name, host, desired) => {
        const groupInterval =
          parseDuration(alertingSettingsOf(findHost(fleet, name).config).group_interval) ?? 300_000;
        const alertmanagerLog = alertmanagerLogReader(desired, host, stringFlag(args, "dir"));
        return {
          ...(alertmanagerLog ? { alertmanagerLog } : {}),
          // Alertmanager tries an undelivered group again every group interval.
          notificationWindowMs: 2 * groupInterval + 60_000,
        };
      },
      scrapedBy: (name) =>
        fleet.inventory ? servers.filter((s) => s !== name).flatMap((s) => rendered(s).scrapeJobs) : [],
    });
    const json = args.values["json"] === true;
    if (!fleet.inventory) {
      const [only] = outcomes;
      if (only?.result === undefined) throw new UserError(only?.error ?? "verify failed");
      const passed = allPassed(only.result);
      console.log(
        json ? JSON.stringify({ passed, checks: only.result }, null, 2) : formatChecks(only.result),
      );
      return passed ? EXIT.ok : EXIT.checkFailed;
    }
    const checks = outcomes.flatMap((o) =>
      o.result
        ? o.result.map((check) => ({ host: o.host, ...check }))
        : [{ host: o.host, check: "reach the host", status: "fail" as const, detail: o.error ?? "failed" }],
    );
    const passed = checks.every((c) => c.status !== "fail");
    console.log(json ? JSON.stringify({ passed, checks }, null, 2) : formatFleetChecks(checks));
    return passed ? EXIT.ok : EXIT.checkFailed;
  },
};

/** Checks of every host as one table, HOST first. */
function formatFleetChecks(checks: readonly (Check & { readonly host: string })[]): string {
  const rows = [
    ["HOST", "CHECK", "STATUS", "DETAIL"],
    ...checks.map((c) => [c.host, c.check, c.status.toUpperCase(), c.detail]),
  ];
  const failed = checks.filter((c) => c.status === "fail").length;
  const verdict =
    failed === 0 ? `All ${checks.length} checks passed.` : `${failed} of ${checks.length} checks failed.`;
  return `${formatTable(rows)}\n\n${verdict}`;
}

/** Each host's desired state, rendered once however many hosts' checks ask for it. */
function renderedOnce(fleet: Fleet): (name: string) => DesiredState {
  const states = new Map<string, DesiredState>();
  return (name) => {
    const state = states.get(name) ?? renderFleetHost(fleet, name, HOST_TARGET);
    states.set(name, state);
    return state;
  };
}

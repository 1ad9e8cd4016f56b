// stackmon plan: what apply would change on this host, without changing anything.
import { UserError } from "../config/configError.js";
import { hostPlanHasChanges, planFleet } from "../fleet/applyFleet.js";
import { connectorFor } from "../fleet/connect.js";
import { pendingControllerChanges, planSecretReader } from "../fleet/controllerState.js";
import { formatOutcomes } from "../fleet/formatOutcomes.js";
import { logEvent } from "../lib/cliLog.js";
import { readSecret } from "../lib/secrets.js";
import { formatPlan } from "../plan/formatPlan.js";
import { hasChanges, type Plan } from "../plan/plan.js";
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

export const planCommand: Command = {
  name: "plan",
  help: `Usage: stackmon plan [-c FILE] [--json] [--root DIR] [--host NAME]... [--parallel N] [--state DIR]

Compares stackmon.yml with the host and lists every change apply would make: packages (or
release tarballs), users, directories, files and units (as unified diffs, secrets masked), and
which services would be started, reloaded or restarted, and why. Nothing is changed. With an
inventory (hosts:), every host's plan, what this machine would generate (the fleet's CA,
certificates, passwords), and a table.

Exit status: 0 nothing to do, 2 changes pending, 1 a problem with the config or a host.

${CONFIG_FLAG_HELP}
${FLEET_FLAGS_HELP}
      --json          the plan as JSON, for machines
      --root DIR      compare with the files laid out under DIR (see apply --root)`,
  run: async (argv) => {
    const args = parseCommandArgs(argv, {
      json: { type: "boolean", default: false },
      root: { type: "string" },
      ...FLEET_FLAGS,
    });
    if (args.help) return printHelp(planCommand);
    const fleet = fleetOf(args);
    const root = stringFlag(args, "root");
    const controller = pendingControllerChanges(fleet);
    const outcomes = await planFleet({
      fleet,
      hosts: selectedHosts(args, fleet),
      parallel: parallelOf(args),
      connect: connectorFor(fleet, {
        ...(root !== undefined ? { root } : {}),
        needsServices: false,
        ...sshConfigOf(args),
      }),
      readSecret: planSecretReader(fleet, (ref) => readSecret(ref)),
      log: logEvent,
    });
    const json = args.values["json"] === true;
    if (!fleet.inventory) {
      const [only] = outcomes;
      if (only?.result === undefined) throw new UserError(only?.error ?? "plan failed");
      console.log(json ? JSON.stringify(only.result.plan, null, 2) : formatPlan(only.result.plan));
      return hasChanges(only.result.plan) ? EXIT.changesPending : EXIT.ok;
    }
    if (json) {
      console.log(JSON.stringify({ controller, hosts: outcomes }, null, 2));
    } else {
      const onController = controller.map((c) => `  + ${c.host ? `${c.host}: ` : ""}${c.what}`);
      if (onController.length > 0)
        console.log(`On this machine (${fleet.stateDir}):\n${onController.join("\n")}\n`);
      for (const outcome of outcomes) {
        if (!outcome.result) continue;
        const runtime = outcome.result.runtime.map((line) => `  + ${line}`);
        const before = runtime.length ? `stackmon's own exporters need:\n${runtime.join("\n")}\n` : "";
        console.log(`== ${outcome.host} ==\n${before}${formatPlan(outcome.result.plan)}\n`);
      }
      console.log(
        formatOutcomes(outcomes, (result) => ({
          status: hostPlanHasChanges(result) ? "changes" : "no changes",
          detail: [result.runtime.length ? "stackmon runtime" : "", planCounts(result.plan)]
            .filter(Boolean)
            .join(", "),
        })),
      );
    }
    if (outcomes.some((o) => o.result === undefined)) return EXIT.userError;
    const pending = controller.length > 0 || outcomes.some((o) => o.result && hostPlanHasChanges(o.result));
    return pending ? EXIT.changesPending : EXIT.ok;
  },
};

/** "3 files, 1 package, 2 services" */
function planCounts(plan: Plan): string {
  const counts = new Map<string, number>();
  for (const change of plan.changes) counts.set(change.type, (counts.get(change.type) ?? 0) + 1);
  if (plan.services.length > 0) counts.set("service", plan.services.length);
  const plural = (type: string) => (type === "directory" ? "directories" : `${type}s`);
  return [...counts].map(([type, n]) => `${n} ${n === 1 ? type : plural(type)}`).join(", ");
}

// stackmon plan: what apply would change on this host, without changing anything.
import { hostFor } from "../host/hostFor.js";
import { readSecret } from "../lib/secrets.js";
import { readAppliedState } from "../plan/appliedState.js";
import { formatPlan } from "../plan/formatPlan.js";
import { hostStack } from "../plan/hostStack.js";
import { hasChanges, planChanges } from "../plan/plan.js";
import { loadStackConfig, stackRenderer } from "../stack.js";
import { parseCommandArgs, stringFlag } from "./args.js";
import { CONFIG_FLAG_HELP, EXIT, printHelp, type Command } from "./command.js";

export const planCommand: Command = {
  name: "plan",
  summary: "show what apply would change here (exit 2 when something would)",
  help: `Usage: stackmon plan [-c FILE] [--json] [--root DIR]

Compares stackmon.yml with this host and lists every change apply would make: packages (or
release tarballs), users, directories, files and units (as unified diffs, secrets masked), and
which services would be started, reloaded or restarted, and why. Nothing is changed.

Exit status: 0 nothing to do, 2 changes pending, 1 a problem with the config or the host.

${CONFIG_FLAG_HELP}
      --json          the plan as JSON, for machines
      --root DIR      compare with the files laid out under DIR (see apply --root)`,
  run: async (argv) => {
    const args = parseCommandArgs(argv, {
      json: { type: "boolean", default: false },
      root: { type: "string" },
    });
    if (args.help) return printHelp(planCommand);
    const config = loadStackConfig(args.config);
    const host = await hostFor(stringFlag(args, "root"));
    const stack = await hostStack(stackRenderer(config), host, { listsFetched: false });
    const { plan } = await planChanges({
      desired: stack.desired,
      sources: stack.sources,
      host,
      readSecret: (ref) => readSecret(ref),
      applied: await readAppliedState(host),
    });
    console.log(args.values["json"] === true ? JSON.stringify(plan, null, 2) : formatPlan(plan));
    return hasChanges(plan) ? EXIT.changesPending : EXIT.ok;
  },
};

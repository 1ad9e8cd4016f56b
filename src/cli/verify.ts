// stackmon verify: asks the running stack whether it works; a table for people, JSON for
// machines, and an exit status for cron.
import { UserError } from "../config/configError.js";
import { localHost } from "../host/localHost.js";
import { parseDuration } from "../lib/duration.js";
import { renderRunnable } from "../host/supervisor/supervisor.js";
import { HOST_TARGET, loadStackConfig, renderStack } from "../stack.js";
import { allPassed, concluded, formatChecks, settled, verifyStack, type Check } from "../verify/verify.js";
import { parseCommandArgs, stringFlag } from "./args.js";
import { CONFIG_FLAG_HELP, EXIT, printHelp, type Command } from "./command.js";

export const verifyCommand: Command = {
  name: "verify",
  summary: "check the running stack: services, Prometheus, targets, rules, alerting, auth",
  help: `Usage: stackmon verify [-c FILE] [--json] [--wait DURATION]

Asks the running stack, not the files: every unit active and answering, Prometheus ready, every
target up, every rule group loaded and healthy, Alertmanager connected, and every endpoint
protected as configured (a request without credentials to a protected endpoint gets 401).

Exit status: 0 all checks passed, 2 a check failed, 1 a problem with the config.
For cron: \`stackmon verify -c /etc/stackmon/stackmon.yml --json || alert\`.

${CONFIG_FLAG_HELP}
      --json            the checks as JSON
      --wait DURATION   retry until every check passes or this much time has passed (default 0s)`,
  run: async (argv) => {
    const args = parseCommandArgs(argv, {
      json: { type: "boolean", default: false },
      wait: { type: "string", default: "0s" },
    });
    if (args.help) return printHelp(verifyCommand);
    const waitMs = parseDuration(stringFlag(args, "wait") ?? "0s");
    if (waitMs === undefined) throw new UserError(`--wait: "${stringFlag(args, "wait")}" is not a duration`);
    const config = loadStackConfig(args.config);
    const host = await localHost();
    // Without systemd the stack is one `stackmon up` runs: without what is not installed here.
    const desired = host.services ? renderStack(config, HOST_TARGET) : renderRunnable(config, HOST_TARGET);
    const deadline = Date.now() + waitMs;
    let checks: Check[] = await verifyStack({ desired, host });
    while (!settled(checks) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2000));
      checks = await verifyStack({ desired, host });
    }
    checks = concluded(checks);
    const passed = allPassed(checks);
    console.log(
      args.values["json"] === true ? JSON.stringify({ passed, checks }, null, 2) : formatChecks(checks),
    );
    return passed ? EXIT.ok : EXIT.changesPending;
  },
};

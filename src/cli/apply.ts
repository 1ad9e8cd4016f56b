// stackmon apply: makes this host match stackmon.yml, and says what it did as it goes.
import { UserError } from "../config/configError.js";
import { hostFor } from "../host/hostFor.js";
import { logEvent } from "../lib/cliLog.js";
import { acquirePidLock } from "../lib/pidLock.js";
import { parseDuration } from "../lib/duration.js";
import { readSecret } from "../lib/secrets.js";
import { apply, describeFailures } from "../apply/apply.js";
import { GITHUB_RELEASES } from "../apply/releaseTarball.js";
import { appliedSummary } from "../plan/formatPlan.js";
import { hostStack } from "../plan/hostStack.js";
import { hasChanges } from "../plan/plan.js";
import { loadStackConfig, stackRenderer } from "../stack.js";
import { parseCommandArgs, stringFlag } from "./args.js";
import { CONFIG_FLAG_HELP, EXIT, printHelp, type Command } from "./command.js";

export const applyCommand: Command = {
  name: "apply",
  summary: "make this host match stackmon.yml (install, configure, start, idempotent)",
  help: `Usage: stackmon apply [-c FILE] [--root DIR] [--wait DURATION] [--release-mirror URL]

Installs what is missing (apt or dnf; the upstream release tarball, checked against its
sha256sums, when the package is missing or too old), creates one system user per service,
checks every candidate config with the real tools (promtool, amtool, blackbox --config.check)
before any of it goes live, writes files atomically, then reloads or restarts only the services
whose inputs changed and waits for each to come back. A service that does not come back gets its
previous files restored and apply exits non-zero naming it. Running it again changes nothing;
an interrupted run is finished by the next one. \`stackmon plan\` shows the changes first.

Exit status: 0 done, 1 a problem (config, a candidate refused, a service that did not come back).

${CONFIG_FLAG_HELP}
      --root DIR            lay the files out under DIR instead of / for review
                            (no packages, users or services are touched)
      --wait DURATION       how long each service may take to come back (default 60s)
      --release-mirror URL  where release tarballs are downloaded from (default ${GITHUB_RELEASES},
                            or $STACKMON_RELEASE_MIRROR)`,
  run: async (argv) => {
    const args = parseCommandArgs(argv, {
      root: { type: "string" },
      wait: { type: "string", default: "60s" },
      "release-mirror": { type: "string" },
    });
    if (args.help) return printHelp(applyCommand);
    const waitMs = parseDuration(stringFlag(args, "wait") ?? "60s");
    if (waitMs === undefined) throw new UserError(`--wait: "${stringFlag(args, "wait")}" is not a duration`);
    const config = loadStackConfig(args.config);
    const root = stringFlag(args, "root");
    const host = await hostFor(root);
    if (root === undefined && !host.services) {
      throw new UserError("this machine does not run systemd, so apply cannot manage its services", {
        hint: "run the stack with `stackmon up`, or lay the files out with `apply --root DIR`",
      });
    }
    const lockPath = host.files.commandPath("/var/lib/stackmon/apply.lock");
    const release = acquirePidLock(lockPath, {
      message: (pid) => `another stackmon apply is running (pid ${pid})`,
      hint: `wait for it to finish; ${lockPath} holds its pid`,
    });
    try {
      logEvent("apply", { host: host.description, config: args.config });
      const result = await apply({
        host,
        prepare: (options) => hostStack(stackRenderer(config), host, options),
        readSecret: (ref) => readSecret(ref),
        log: logEvent,
        readyTimeoutMs: waitMs,
        releaseBaseUrl:
          stringFlag(args, "release-mirror") ?? process.env["STACKMON_RELEASE_MIRROR"] ?? GITHUB_RELEASES,
      });
      if (result.failures.length > 0) throw new UserError(describeFailures(result.failures));
      console.log(
        hasChanges(result.plan) ? appliedSummary(result.plan) : "No changes: this host matches stackmon.yml.",
      );
      return EXIT.ok;
    } finally {
      release();
    }
  },
};

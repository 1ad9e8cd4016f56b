// stackmon uninstall: takes stackmon off a host -- every service it started stopped and
// disabled, every file it wrote removed -- by applying an empty stack. Packages, system users
// and data directories (Prometheus's samples) stay.
import { apply, describeFailures } from "../apply/apply.js";
import { acquireHostLock } from "../apply/hostLock.js";
import { GITHUB_RELEASES } from "../apply/releaseTarball.js";
import { UserError } from "../config/configError.js";
import { connectorFor } from "../fleet/connect.js";
import { findHost } from "../fleet/renderFleet.js";
import { logEvent } from "../lib/cliLog.js";
import { readSecret } from "../lib/secrets.js";
import { readAppliedState } from "../plan/appliedState.js";
import { formatPlan } from "../plan/formatPlan.js";
import type { HostStack } from "../plan/hostStack.js";
import { hasChanges, planChanges } from "../plan/plan.js";
import type { DesiredState } from "../render/desiredState.js";
import { parseCommandArgs, stringFlag } from "./args.js";
import { CONFIG_FLAG_HELP, EXIT, printHelp, type Command } from "./command.js";
import { fleetOf, FLEET_FLAGS, sshConfigOf } from "./fleetArgs.js";

const NOTHING: DesiredState = {
  files: [],
  directories: [],
  users: [],
  packages: [],
  services: [],
  scrapeJobs: [],
  endpoints: [],
};

const EMPTY_STACK: HostStack = {
  desired: NOTHING,
  binaries: [],
  sources: new Map(),
  renderAt: () => NOTHING,
};

export const uninstallCommand: Command = {
  name: "uninstall",
  help: `Usage: stackmon uninstall [-c FILE] [--host NAME] [--root DIR] [--yes]

Stops and disables every service stackmon started on the host and removes every file it wrote
(as the host's record of the last apply lists them). Packages, system users and data
directories (Prometheus's samples) stay. Without --yes it only shows what it would remove.
A host taken out of the inventory is no longer scraped after the next apply; this is how the
host itself is cleaned: run it before removing the host from stackmon.yml.

Exit status: 0 done (or nothing to remove), 2 something to remove (without --yes), 1 a problem.

${CONFIG_FLAG_HELP}
      --host NAME     the host of the inventory to clean (required with an inventory)
      --root DIR      act on files laid out under DIR (see apply --root)
      --yes           remove, instead of showing what would be removed`,
  run: async (argv) => {
    const args = parseCommandArgs(argv, {
      root: { type: "string" },
      yes: { type: "boolean", default: false },
      host: { type: "string" },
      state: FLEET_FLAGS.state,
      "ssh-config": FLEET_FLAGS["ssh-config"],
    });
    if (args.help) return printHelp(uninstallCommand);
    const fleet = fleetOf(args);
    const name = stringFlag(args, "host") ?? (fleet.inventory ? undefined : fleet.hosts[0]?.name);
    if (name === undefined) throw new UserError("--host NAME is required with an inventory");
    const root = stringFlag(args, "root");
    const session = await connectorFor(fleet, {
      ...(root !== undefined ? { root } : {}),
      needsServices: false,
      ...sshConfigOf(args),
    })(findHostOrFail(fleet, name));
    try {
      const { host } = session;
      if (args.values["yes"] !== true) {
        const { plan } = await planChanges({
          desired: NOTHING,
          sources: new Map(),
          host,
          readSecret: (ref) => readSecret(ref),
          applied: await readAppliedState(host),
        });
        console.log(formatPlan(plan));
        if (hasChanges(plan)) console.log("\nNothing was changed: run again with --yes to remove it.");
        return hasChanges(plan) ? EXIT.changesPending : EXIT.ok;
      }
      const release = await acquireHostLock(host);
      try {
        const result = await apply({
          host,
          prepare: () => Promise.resolve(EMPTY_STACK),
          readSecret: (ref) => readSecret(ref),
          log: (message, fields) => logEvent(message, { host: name, ...fields }),
          releaseBaseUrl: GITHUB_RELEASES,
        });
        if (result.failures.length > 0) throw new UserError(describeFailures(result.failures));
        console.log(
          hasChanges(result.plan)
            ? `${name}: stackmon's services and files are removed.`
            : `${name}: nothing of stackmon's is left.`,
        );
        return EXIT.ok;
      } finally {
        await release();
      }
    } finally {
      await session.close();
    }
  },
};

function findHostOrFail(fleet: ReturnType<typeof fleetOf>, name: string) {
  if (!fleet.hosts.some((h) => h.name === name)) {
    throw new UserError(`no host ${name} in the inventory`, {
      hint: `hosts: ${fleet.hosts.map((h) => h.name).join(", ")}`,
    });
  }
  return findHost(fleet, name);
}

// stackmon apply: makes this host match stackmon.yml, and says what it did as it goes.
import { UserError } from "../config/configError.js";
import { logEvent } from "../lib/cliLog.js";
import { parseDuration } from "../lib/duration.js";
import { parseReleaseSha256 } from "../apply/releaseChecksums.js";
import { GITHUB_RELEASES } from "../apply/releaseTarball.js";
import { applyFleet } from "../fleet/applyFleet.js";
import { connectorFor } from "../fleet/connect.js";
import { ensureControllerState } from "../fleet/controllerState.js";
import { formatOutcomes } from "../fleet/formatOutcomes.js";
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

export const applyCommand: Command = {
  name: "apply",
  help: `Usage: stackmon apply [-c FILE] [--host NAME]... [--parallel N] [--root DIR] [--wait DURATION]
                     [--release-mirror URL] [--release-sha256 ASSET=HEX]... [--state DIR]

Installs what is missing (apt or dnf; the upstream release tarball when the package is missing
or too old, checked against its sha256 pinned in stackmon or read from the project's release
page, never from the mirror), creates one system user per service,
checks every candidate config with the real tools (promtool, amtool, blackbox --config.check)
before any of it goes live, writes files atomically, then reloads or restarts only the services
whose inputs changed and waits for each to come back. A service that does not come back gets its
previous files restored and apply exits non-zero naming it. Running it again changes nothing;
an interrupted run is finished by the next one. \`stackmon plan\` shows the changes first.

With an inventory (hosts:), every host is applied over SSH (or locally for \`local: true\`), in
parallel; one host failing stops no other, and a table ends the run. The fleet's CA and each
host's scrape password are created first, on this machine (--state), and never leave it but as
the files each host needs.

Exit status: 0 done, 1 a problem (config, a candidate refused, a service that did not come back,
any host failed).

${CONFIG_FLAG_HELP}
${FLEET_FLAGS_HELP}
      --root DIR            lay the files out under DIR (DIR/<host> with an inventory) instead
                            of / for review (no packages, users or services are touched)
      --wait DURATION       how long each service may take to come back (default 60s)
      --release-mirror URL  where release tarballs are downloaded from (default ${GITHUB_RELEASES},
                            or $STACKMON_RELEASE_MIRROR); https, or http on 127.0.0.1
      --release-sha256 ASSET=HEX
                            the sha256 a release tarball must have (repeatable), for a mirror
                            that cannot reach the project's release page`,
  run: async (argv) => {
    const args = parseCommandArgs(argv, {
      root: { type: "string" },
      wait: { type: "string", default: "60s" },
      "release-mirror": { type: "string" },
      "release-sha256": { type: "string", multiple: true },
      ...FLEET_FLAGS,
    });
    if (args.help) return printHelp(applyCommand);
    const waitMs = parseDuration(stringFlag(args, "wait") ?? "60s");
    if (waitMs === undefined) throw new UserError(`--wait: "${stringFlag(args, "wait")}" is not a duration`);
    const releaseSha256 = parseReleaseSha256(
      ((args.values["release-sha256"] as string[] | undefined) ?? []).map(String),
    );
    if (typeof releaseSha256 === "string") throw new UserError(releaseSha256);
    const fleet = fleetOf(args);
    const hosts = selectedHosts(args, fleet);
    const root = stringFlag(args, "root");
    for (const change of ensureControllerState(fleet))
      logEvent(change.what, change.host ? { host: change.host } : {});
    if (fleet.inventory) logEvent("apply", { config: args.config, hosts: hosts.join(",") });
    const outcomes = await applyFleet({
      fleet,
      hosts,
      parallel: parallelOf(args),
      connect: connectorFor(fleet, {
        ...(root !== undefined ? { root } : {}),
        needsServices: true,
        ...sshConfigOf(args),
      }),
      log: logEvent,
      readyTimeoutMs: waitMs,
      releaseBaseUrl:
        stringFlag(args, "release-mirror") ?? process.env["STACKMON_RELEASE_MIRROR"] ?? GITHUB_RELEASES,
      releaseSha256,
    });
    if (!fleet.inventory) {
      const [only] = outcomes;
      if (only?.result === undefined) throw new UserError(only?.error ?? "apply failed");
      console.log(only.result.changed ? only.result.summary : "No changes: this host matches stackmon.yml.");
      return EXIT.ok;
    }
    console.log(
      formatOutcomes(outcomes, (r) => ({
        status: r.changed ? "changed" : "unchanged",
        detail: r.summary.split("\n")[0] ?? "",
      })),
    );
    return outcomes.every((o) => o.result !== undefined) ? EXIT.ok : EXIT.userError;
  },
};

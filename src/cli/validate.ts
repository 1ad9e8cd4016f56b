// stackmon validate: "ok", or every problem with file:line:col.
import { parseCommandArgs } from "./args.js";
import { fleetOf } from "./fleetArgs.js";
import { CONFIG_FLAG_HELP, EXIT, printHelp, type Command } from "./command.js";

export const validateCommand: Command = {
  name: "validate",
  help: `Usage: stackmon validate [-c FILE]

Checks the configuration against the schema and the stack-wide rules (ports, job names), and
with an inventory (hosts:) every host's settings, without reading any secret or writing
anything. Prints "ok" or one line per problem:
  stackmon.yml:12:5: exporters.blackbox.targets[0].url: must be an http(s) URL

${CONFIG_FLAG_HELP}`,
  run: (argv) => {
    const args = parseCommandArgs(argv);
    if (args.help) return Promise.resolve(printHelp(validateCommand));
    const fleet = fleetOf(args);
    const hosts = fleet.hosts.map((h) => h.name);
    console.log(
      `${args.config}: ok${fleet.inventory ? ` (${hosts.length} hosts: ${hosts.join(", ")})` : ""}`,
    );
    return Promise.resolve(EXIT.ok);
  },
};

// stackmon validate: "ok", or every problem with file:line:col.
import { loadStackConfig } from "../stack.js";
import { parseCommandArgs } from "./args.js";
import { CONFIG_FLAG_HELP, EXIT, printHelp, type Command } from "./command.js";

export const validateCommand: Command = {
  name: "validate",
  summary: "check stackmon.yml and report every problem with its position",
  help: `Usage: stackmon validate [-c FILE]

Checks the configuration against the schema and the stack-wide rules (ports, job names) without
reading any secret or writing anything. Prints "ok" or one line per problem:
  stackmon.yml:12:5: exporters.blackbox.targets[0].url: must be an http(s) URL

${CONFIG_FLAG_HELP}`,
  run: (argv) => {
    const args = parseCommandArgs(argv);
    if (args.help) return Promise.resolve(printHelp(validateCommand));
    loadStackConfig(args.config);
    console.log(`${args.config}: ok`);
    return Promise.resolve(EXIT.ok);
  },
};

// stackmon init: a commented stackmon.yml with working defaults, and its JSON Schema beside it.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { UserError } from "../config/configError.js";
import { writeFileAtomic } from "../lib/atomicWrite.js";
import { initConfigText } from "../loadStack.js";
import { parseCommandArgs } from "./args.js";
import { CONFIG_FLAG_HELP, EXIT, printHelp, type Command } from "./command.js";
import { configJsonSchema } from "./schema.js";

export const initCommand: Command = {
  name: "init",
  help: `Usage: stackmon init [-c FILE] [--force]

Writes a commented configuration (default ./stackmon.yml) and stackmon.schema.json beside it,
which editors use for completion. Refuses to overwrite an existing file without --force.

${CONFIG_FLAG_HELP}
      --force         overwrite an existing file`,
  run: (argv) => {
    const args = parseCommandArgs(argv, { force: { type: "boolean", default: false } });
    if (args.help) return Promise.resolve(printHelp(initCommand));
    if (existsSync(args.config) && args.values["force"] !== true) {
      throw new UserError(`${args.config} already exists`, { hint: "use --force to overwrite it" });
    }
    writeFileAtomic(args.config, initConfigText(), 0o644);
    writeFileAtomic(
      join(dirname(args.config), "stackmon.schema.json"),
      `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
    );
    console.log(`wrote ${args.config}; next: stackmon validate, then stackmon up`);
    return Promise.resolve(EXIT.ok);
  },
};

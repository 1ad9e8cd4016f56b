// stackmon schema: the JSON Schema of stackmon.yml, for editor completion.
import { z } from "zod";
import { configSchema } from "../loadStack.js";
import { parseCommandArgs } from "./args.js";
import { EXIT, printHelp, type Command } from "./command.js";

export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }),
    title: "stackmon.yml",
  };
}

export const schemaCommand: Command = {
  name: "schema",
  help: `Usage: stackmon schema

Prints the JSON Schema generated from the same schema stackmon validates with. Editors that
speak the YAML language server pick it up from the first line \`stackmon init\` writes:
  # yaml-language-server: $schema=./stackmon.schema.json`,
  run: (argv) => {
    const args = parseCommandArgs(argv);
    if (args.help) return Promise.resolve(printHelp(schemaCommand));
    console.log(JSON.stringify(configJsonSchema(), null, 2));
    return Promise.resolve(EXIT.ok);
  },
};

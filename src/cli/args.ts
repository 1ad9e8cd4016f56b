// Flag parsing shared by commands: node:util parseArgs with -c/--config and --help built in.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UserError } from "../config/configError.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface ParsedArgs {
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  readonly positionals: string[];
  readonly config: string;
  readonly help: boolean;
}

export function parseCommandArgs(
  argv: readonly string[],
  options: Options = {},
  allowPositionals = false,
): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        config: { type: "string", short: "c", default: "stackmon.yml" },
        help: { type: "boolean", short: "h", default: false },
        ...options,
      },
      allowPositionals,
      strict: true,
    });
    return { values, positionals, config: String(values["config"]), help: values["help"] === true };
  } catch (error) {
    throw new UserError((error as Error).message, { hint: "see --help" });
  }
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === "string" ? value : undefined;
}

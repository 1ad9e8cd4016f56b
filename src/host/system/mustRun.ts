// A command whose failure stops the operation: its last output lines become the message.
import { UserError } from "../../config/configError.js";
import type { CommandResult, CommandRunner, RunOptions } from "../host.js";

export function failureMessage(program: string, args: readonly string[], result: CommandResult): string {
  const output = `${result.stdout}${result.stderr}`.trim().split("\n").slice(-15).join("\n");
  return `${program} ${args.join(" ")} failed (exit ${result.status}):\n${output}`;
}

/** Runs the program and returns its stdout, or throws a UserError with what it said. */
export async function mustRun(
  run: CommandRunner,
  program: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<string> {
  const result = await run(program, args, options);
  if (result.status !== 0) throw new UserError(failureMessage(program, args, result));
  return result.stdout;
}

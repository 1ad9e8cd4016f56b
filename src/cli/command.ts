// What a CLI command is: a name, its help, and a run function returning the exit code.
// Exit codes: 0 ok, 1 user error, 2 changes pending (plan), 3+ internal.
export interface Command {
  readonly name: string;
  /** Full --help text (usage line, flags, examples). */
  readonly help: string;
  run(argv: readonly string[]): Promise<number>;
}

export const EXIT = {
  ok: 0,
  userError: 1,
  /** plan: apply would change something. */
  changesPending: 2,
  /** verify: a check of the running stack failed. */
  checkFailed: 2,
  /** test-alert: the alert did not reach Mattermost. */
  notDelivered: 2,
  internal: 3,
} as const;

/** Flags every config-reading command takes. */
export const CONFIG_FLAG_HELP = "  -c, --config FILE   the configuration (default ./stackmon.yml)";

export function printHelp(command: Command): number {
  console.log(command.help);
  return EXIT.ok;
}

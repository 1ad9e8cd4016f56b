#!/usr/bin/env node
// The stackmon command line: picks the command, turns errors into messages and exit codes.
import { UserError } from "../config/configError.js";
import type { Command } from "./command.js";
import { EXIT } from "./command.js";
import { alertsCommand } from "./alerts.js";
import { applyCommand } from "./apply.js";
import { checkCommand } from "./check.js";
import { dashboardsCommand } from "./dashboards.js";
import { initCommand } from "./init.js";
import { planCommand } from "./plan.js";
import { renderCommand } from "./render.js";
import { schemaCommand } from "./schema.js";
import { upCommand } from "./up.js";
import { silenceCommand } from "./silence.js";
import { testAlertCommand } from "./testAlert.js";
import { validateCommand } from "./validate.js";
import { uninstallCommand } from "./uninstall.js";
import { verifyCommand } from "./verify.js";

const commands: readonly Command[] = [
  initCommand,
  validateCommand,
  renderCommand,
  upCommand,
  schemaCommand,
  planCommand,
  applyCommand,
  verifyCommand,
  alertsCommand,
  dashboardsCommand,
  checkCommand,
  testAlertCommand,
  silenceCommand,
  uninstallCommand,
];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: stackmon <command> [flags]

One stackmon.yml becomes a complete monitoring stack.

Commands:
${lines.join("\n")}

Run \`stackmon <command> --help\` for a command's flags.`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name === undefined ? EXIT.userError : EXIT.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`stackmon: unknown command "${name}"\n\n${usage()}`);
    return EXIT.userError;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UserError) {
      console.error(error.describe());
      return EXIT.userError;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = EXIT.internal;
  },
);

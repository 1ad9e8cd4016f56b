#!/usr/bin/env node
// The stackmon command line: picks the command, turns errors into messages and exit codes.
import { UserError } from "../config/configError.js";
import { EXIT, type Command } from "./command.js";

interface CommandEntry {
  readonly name: string;
  /** One line for `stackmon --help`. */
  readonly summary: string;
  /** The command's module, imported only when it runs: each loads just what it needs. */
  readonly load: () => Promise<Command>;
}

const commands: readonly CommandEntry[] = [
  {
    name: "init",
    summary: "write a commented stackmon.yml with working defaults",
    load: async () => (await import("./init.js")).initCommand,
  },
  {
    name: "validate",
    summary: "check stackmon.yml and report every problem with its position",
    load: async () => (await import("./validate.js")).validateCommand,
  },
  {
    name: "render",
    summary: "write every file the stack needs into a directory, for review",
    load: async () => (await import("./render.js")).renderCommand,
  },
  {
    name: "up",
    summary: "run the stack here in the foreground (no systemd, no root needed)",
    load: async () => (await import("./up.js")).upCommand,
  },
  {
    name: "schema",
    summary: "print the JSON Schema of stackmon.yml (for editor completion)",
    load: async () => (await import("./schema.js")).schemaCommand,
  },
  {
    name: "plan",
    summary: "show what apply would change (exit 2 when something would)",
    load: async () => (await import("./plan.js")).planCommand,
  },
  {
    name: "apply",
    summary: "make the hosts match stackmon.yml (install, configure, start, idempotent)",
    load: async () => (await import("./apply.js")).applyCommand,
  },
  {
    name: "verify",
    summary: "check the running stack: services, Prometheus, targets, rules, alerting, auth",
    load: async () => (await import("./verify.js")).verifyCommand,
  },
  {
    name: "alerts",
    summary: "list every alert: component, severity, threshold, for, and whether it is on",
    load: async () => (await import("./alerts.js")).alertsCommand,
  },
  {
    name: "dashboards",
    summary: "list the Grafana dashboards: each panel, its unit and its queries",
    load: async () => (await import("./dashboards.js")).dashboardsCommand,
  },
  {
    name: "check",
    summary: "for CI: validate, render, run promtool/amtool/blackbox checks and the alert rule tests",
    load: async () => (await import("./check.js")).checkCommand,
  },
  {
    name: "test-alert",
    summary: "send a synthetic alert through the running stack and report whether Mattermost took it",
    load: async () => (await import("./testAlert.js")).testAlertCommand,
  },
  {
    name: "silence",
    summary: "mute alerts for a while (add), see what is muted (list), end a silence (expire)",
    load: async () => (await import("./silence.js")).silenceCommand,
  },
  {
    name: "uninstall",
    summary: "take stackmon off a host: stop its services, remove the files it wrote",
    load: async () => (await import("./uninstall.js")).uninstallCommand,
  },
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
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    console.error(`stackmon: unknown command "${name}"\n\n${usage()}`);
    return EXIT.userError;
  }
  try {
    const command = await entry.load();
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

// stackmon up: the stack running in the foreground as child processes, no systemd, no root.
import { existsSync } from "node:fs";
import { UserError } from "../config/configError.js";
import { localHost } from "../host/localHost.js";
import { startStack, waitForTargets } from "../host/supervisor/supervisor.js";
import { parseDuration } from "../lib/duration.js";
import { logEvent } from "../lib/cliLog.js";
import { formatTable } from "../lib/textTable.js";
import { loadStackConfig, parseStackConfig } from "../stack.js";
import { parseCommandArgs, stringFlag } from "./args.js";
import { CONFIG_FLAG_HELP, EXIT, printHelp, type Command } from "./command.js";

export const upCommand: Command = {
  name: "up",
  help: `Usage: stackmon up [-c FILE] [--dir DIR] [--wait DURATION] [--no-install]

Renders the stack into a work directory and runs Prometheus, Alertmanager and the exporters as
supervised child processes on 127.0.0.1: a crashed child is restarted with backoff; Ctrl-C or
SIGTERM stops them all. Prometheus data stays in the work directory between runs.
Without a stackmon.yml (and no -c), the defaults are used; \`stackmon init\` writes them out.
A missing program is named with its Debian package; run as root, it is installed with apt-get.

${CONFIG_FLAG_HELP}
      --dir DIR       work directory (default ./.stackmon)
      --wait DURATION how long to wait for every target to be up (default 60s)
      --no-install    never install missing packages, only name them`,
  run: async (argv) => {
    const args = parseCommandArgs(argv, {
      dir: { type: "string", default: ".stackmon" },
      wait: { type: "string", default: "60s" },
      "no-install": { type: "boolean", default: false },
    });
    if (args.help) return printHelp(upCommand);
    const waitMs = parseDuration(stringFlag(args, "wait") ?? "60s");
    if (waitMs === undefined) throw new UserError(`--wait: "${stringFlag(args, "wait")}" is not a duration`);
    const explicitConfig = argv.some((a) => a === "-c" || a.startsWith("--config"));
    const config =
      !explicitConfig && !existsSync(args.config)
        ? (logEvent("no stackmon.yml here: running the defaults (`stackmon init` writes them out)"),
          parseStackConfig("", "(defaults)", process.env))
        : loadStackConfig(args.config);

    // Signals are handled from the start: Ctrl-C during startup stops what was started.
    const interrupted = new AbortController();
    const stopRequested = new Promise<void>((resolve) => {
      const onSignal = () => {
        interrupted.abort();
        resolve();
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
    });
    const installer =
      args.values["no-install"] !== true && process.getuid?.() === 0
        ? (await localHost()).packages
        : undefined;
    const stack = await startStack({
      config,
      workDir: stringFlag(args, "dir") ?? ".stackmon",
      env: process.env,
      ...(installer ? { packages: installer } : {}),
      log: logEvent,
      signal: interrupted.signal,
    });
    const stopped = stopRequested.then(async () => {
      logEvent("stopping");
      await stack.stop();
    });

    printServices(
      stack.services.map((s) => ({ id: s.spec.id, pid: s.child.pid, url: s.url, log: s.logFile })),
    );
    if (stack.prometheusUrl) {
      const targets = await Promise.race([
        waitForTargets(stack.prometheusUrl, waitMs),
        stopped.then(() => []),
      ]);
      const down = targets.filter((t) => t.health !== "up");
      if (targets.length > 0 && down.length === 0) logEvent("all targets up", { targets: targets.length });
      for (const t of down)
        logEvent("target not up", { job: t.job, instance: t.instance, error: t.lastError || t.health });
    }
    if (!interrupted.signal.aborted) logEvent("running; Ctrl-C stops the stack", { dir: stack.workDir });
    await stopped;
    logEvent("stopped");
    return EXIT.ok;
  },
};

function printServices(
  rows: { id: string; pid: number | undefined; url: string | undefined; log: string }[],
): void {
  console.log(
    formatTable([
      ["SERVICE", "PID", "URL", "LOG"],
      ...rows.map((r) => [r.id, String(r.pid ?? "-"), r.url ?? "-", r.log]),
    ]),
  );
}

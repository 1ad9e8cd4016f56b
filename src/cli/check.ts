// stackmon check: for CI on a config repository; validate, render, real validators, rule tests.
import { checkConfigFile } from "../check/checkConfig.js";
import { formatTable } from "../lib/textTable.js";
import { parseCommandArgs } from "./args.js";
import { CONFIG_FLAG_HELP, EXIT, printHelp, type Command } from "./command.js";

export const checkCommand: Command = {
  name: "check",
  help: `Usage: stackmon check [-c FILE]

For the CI of the repository that holds your stackmon.yml: validates it, renders the stack into a
temporary directory, runs the real validators on what it rendered (promtool check config and check
rules, amtool check-config, prometheus-blackbox-exporter --config.check) and the promtool unit
tests of every enabled alert (one case that fires it, one that keeps it quiet, at your thresholds).
Reads no secret. Exit status 0 when everything passes, 1 otherwise.

The tools come from the Debian packages prometheus, prometheus-alertmanager and
prometheus-blackbox-exporter (e.g. \`sudo apt-get install -y prometheus prometheus-alertmanager
prometheus-blackbox-exporter\` in a CI job).

${CONFIG_FLAG_HELP}`,
  run: (argv) => {
    const args = parseCommandArgs(argv);
    if (args.help) return Promise.resolve(printHelp(checkCommand));
    const steps = checkConfigFile(args.config, process.env);
    console.log(
      formatTable([
        ["STEP", "STATUS", "DETAIL"],
        ...steps.map((s) => [s.step, s.ok ? "OK" : "FAIL", s.detail]),
      ]),
    );
    for (const step of steps.filter((s) => !s.ok && s.output))
      console.log(`\n${step.step}:\n${step.output ?? ""}`);
    const failed = steps.filter((s) => !s.ok).length;
    console.log(failed === 0 ? "\nAll checks passed." : `\n${failed} of ${steps.length} checks failed.`);
    return Promise.resolve(failed === 0 ? EXIT.ok : EXIT.userError);
  },
};

// stackmon render --out DIR: every file the stack needs, laid out as on the host, secrets masked.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserError } from "../config/configError.js";
import { writeFileAtomic } from "../lib/atomicWrite.js";
import { maskedText } from "../render/fileContent.js";
import { HOST_TARGET, renderFleetHost } from "../stack.js";
import { parseCommandArgs, stringFlag } from "./args.js";
import { fleetOf, FLEET_FLAGS, selectedHosts } from "./fleetArgs.js";
import { CONFIG_FLAG_HELP, EXIT, printHelp, type Command } from "./command.js";

export const renderCommand: Command = {
  name: "render",
  help: `Usage: stackmon render --out DIR [-c FILE] [--host NAME]...

Writes the rendered stack under DIR as it would be laid out on the host
(DIR/etc/prometheus/prometheus.yml, DIR/etc/systemd/system/prometheus.service, ...); with an
inventory (hosts:), one tree per host: DIR/<host>/etc/...
Secrets are not read: where one belongs, the file says which key and file it comes from.
Rendering is deterministic: the same stackmon.yml gives byte-identical files.

  -o, --out DIR       where to write (required)
      --host NAME     only this host of the inventory (repeatable)
${CONFIG_FLAG_HELP}`,
  run: (argv) => {
    const args = parseCommandArgs(argv, { out: { type: "string", short: "o" }, host: FLEET_FLAGS.host });
    if (args.help) return Promise.resolve(printHelp(renderCommand));
    const out = stringFlag(args, "out");
    if (!out) throw new UserError("--out DIR is required", { hint: "stackmon render --out ./rendered" });
    const fleet = fleetOf(args);
    let count = 0;
    for (const name of selectedHosts(args, fleet)) {
      const state = renderFleetHost(fleet, name, HOST_TARGET);
      const root = fleet.inventory ? join(resolve(out), name) : resolve(out);
      for (const dir of state.directories) mkdirSync(join(root, dir.path), { recursive: true });
      for (const file of state.files) {
        const secret = typeof file.content !== "string";
        writeFileAtomic(join(root, file.path), maskedText(file.content), secret ? 0o600 : 0o644);
      }
      count += state.files.length;
    }
    const where = fleet.inventory ? `${resolve(out)}/<host> for ${fleet.hosts.length} hosts` : resolve(out);
    console.log(`rendered ${count} files into ${where}`);
    return Promise.resolve(EXIT.ok);
  },
};

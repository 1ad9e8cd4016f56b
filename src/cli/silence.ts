// stackmon silence add|list|expire: mute alerts for a while (a deploy, a repair) through the
// stack's Alertmanager, see what is muted, and end a silence early.
import { userInfo } from "node:os";
import { alertCatalog } from "../alerting/catalog.js";
import { formatLabelMatcher } from "../alerting/labelMatcher.js";
import { components } from "../components/registry.js";
import { UserError } from "../config/configError.js";
import { connectorFor } from "../fleet/connect.js";
import type { Fleet } from "../fleet/fleet.js";
import { logEvent } from "../lib/cliLog.js";
import { parseDuration } from "../lib/duration.js";
import { connectAlertmanager } from "../silence/alertmanagerAccess.js";
import { alertText, formatSilences, relativeTime, silenceMatchersText } from "../silence/formatSilences.js";
import { findSilence } from "../silence/findSilence.js";
import { silenceApi, type Silence, type SilenceApi } from "../silence/silenceApi.js";
import { postableSilence, silenceMatchers } from "../silence/silenceRequest.js";
import { parseCommandArgs, stringFlag, type ParsedArgs } from "./args.js";
import { CONFIG_FLAG_HELP, EXIT, printHelp, type Command } from "./command.js";
import { fleetOf, FLEET_FLAGS, sshConfigOf } from "./fleetArgs.js";

const CONNECTION_FLAGS = {
  dir: { type: "string" },
  state: FLEET_FLAGS.state,
  "ssh-config": { type: "string" },
  json: { type: "boolean", default: false },
} as const;

export const silenceCommand: Command = {
  name: "silence",
  help: `Usage: stackmon silence add (--host NAME | --alert NAME | --matcher label=value)... --for DURATION --comment TEXT [--author NAME]
       stackmon silence list [--all]
       stackmon silence expire ID...

Silences live in the stack's Alertmanager (the server's, with an inventory; with two servers,
the first that answers: their cluster shares silences), or in Grafana's when alerting.engine is
grafana. A silenced alert still shows in Alertmanager and on the
dashboards; nobody is notified until the silence ends, and then, if it still fires, everyone is.

add     --host NAME       a host of the inventory (or this machine): its instance label
        --alert NAME      an alert name, as \`stackmon alerts\` lists them
        --matcher M       label=value, label!=value, label=~regex or label!~regex
                          (repeat a flag for any of several; different flags must all match)
        --for DURATION    how long, e.g. 30m, 2h, 3d
        --comment TEXT    why, for whoever wonders where the alerts went
        --author NAME     who (default: the user who ran sudo, else your user name)
        Says which alerts firing now it holds back, or that none does (it is created anyway).
list    active and pending silences with how many alerts each holds back (--all: expired too)
expire  ends silences now; an ID may be shortened to a unique prefix

${CONFIG_FLAG_HELP}
      --json            as JSON
      --dir DIR         the work directory of a stack run by \`stackmon up --dir DIR\`
      --state DIR       where the fleet's CA and passwords are kept
      --ssh-config FILE an OpenSSH client config for reaching the server

Examples:
  stackmon silence add --host db1 --for 1h --comment "replacing a disk"
  stackmon silence add --alert MysqlReplicationLag --host db2 --for 30m --comment "resync"
  stackmon silence list
  stackmon silence expire 3f2a9c1e`,
  run: async (argv) => {
    const [action, ...rest] = argv;
    if (action === undefined || action === "--help" || action === "-h") return printHelp(silenceCommand);
    switch (action) {
      case "add":
        return addSilence(rest);
      case "list":
        return listSilences(rest);
      case "expire":
        return expireSilences(rest);
      default:
        throw new UserError(`silence: unknown action "${action}"`, { hint: "add, list or expire" });
    }
  },
};

/** The stack's Alertmanager for the time of `work`. */
async function withAlertmanager(
  args: ParsedArgs,
  fleet: Fleet,
  work: (api: SilenceApi) => Promise<number>,
): Promise<number> {
  const dir = stringFlag(args, "dir");
  const session = await connectAlertmanager(fleet, {
    connect: connectorFor(fleet, { needsServices: false, asUser: true, ...sshConfigOf(args) }),
    ...(dir !== undefined ? { dir } : {}),
    onSkipped: (reason) => logEvent(reason),
  });
  try {
    return await work(silenceApi(session.access));
  } finally {
    await session.close();
  }
}

const listFlag = (args: ParsedArgs, name: string): string[] => {
  const value = args.values[name];
  return Array.isArray(value) ? value.map(String) : [];
};

/** Who silences: the person behind sudo, else the user running stackmon. */
function localUser(): string {
  const sudoUser = process.env["SUDO_USER"];
  if (sudoUser) return sudoUser;
  try {
    return userInfo().username;
  } catch {
    throw new UserError("cannot tell who you are: give --author NAME");
  }
}

function utc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

async function addSilence(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(argv, {
    host: { type: "string", multiple: true },
    alert: { type: "string", multiple: true },
    matcher: { type: "string", multiple: true },
    for: { type: "string" },
    comment: { type: "string" },
    author: { type: "string" },
    ...CONNECTION_FLAGS,
  });
  if (args.help) return printHelp(silenceCommand);
  const forText = stringFlag(args, "for");
  if (forText === undefined) throw new UserError("--for DURATION is required", { hint: "e.g. --for 2h" });
  const durationMs = parseDuration(forText);
  if (durationMs === undefined)
    throw new UserError(`--for: "${forText}" is not a duration such as 30m or 2h`);
  const fleet = fleetOf(args);
  const matchers = silenceMatchers(
    { hosts: listFlag(args, "host"), alerts: listFlag(args, "alert"), matchers: listFlag(args, "matcher") },
    {
      hosts: fleet.hosts.map((h) => h.name),
      inventory: fleet.inventory,
      alerts: [...new Set(alertCatalog(components).map((a) => a.name))],
    },
  );
  const now = new Date();
  const silence = postableSilence({
    matchers,
    durationMs,
    comment: stringFlag(args, "comment") ?? "",
    author: stringFlag(args, "author") ?? localUser(),
    now,
  });
  return withAlertmanager(args, fleet, async (api) => {
    const id = await api.create(silence);
    const firing = await api.alerts(matchers);
    if (args.values["json"] === true) {
      console.log(JSON.stringify({ id, ...silence, firing: firing.map((a) => a.labels) }, null, 2));
      return EXIT.ok;
    }
    const ends = new Date(silence.endsAt);
    console.log(
      `Silenced ${matchers.map(formatLabelMatcher).join(", ")} until ${utc(ends)} (${relativeTime(ends, now)}): ${id}`,
    );
    console.log(
      firing.length === 0
        ? "It matches no alert firing now; it holds back matching alerts that fire before it ends."
        : `It holds back ${firing.length} alert${firing.length === 1 ? "" : "s"} firing now: ${firing.map(alertText).join(", ")}`,
    );
    return EXIT.ok;
  });
}

async function listSilences(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(argv, { all: { type: "boolean", default: false }, ...CONNECTION_FLAGS });
  if (args.help) return printHelp(silenceCommand);
  return withAlertmanager(args, fleetOf(args), async (api) => {
    const all = await api.list();
    const shown = args.values["all"] === true ? all : all.filter((s) => s.status.state !== "expired");
    const alerts = await api.alerts();
    if (args.values["json"] === true) {
      const silencing = (s: Silence) => alerts.filter((a) => a.status.silencedBy?.includes(s.id)).length;
      console.log(
        JSON.stringify(
          shown.map((s) => ({ ...s, silencing: silencing(s) })),
          null,
          2,
        ),
      );
    } else {
      console.log(formatSilences(shown, alerts, new Date()));
    }
    return EXIT.ok;
  });
}

async function expireSilences(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(argv, CONNECTION_FLAGS, true);
  if (args.help) return printHelp(silenceCommand);
  if (args.positionals.length === 0) {
    throw new UserError("name the silence to end: stackmon silence expire ID", {
      hint: "stackmon silence list shows the ids",
    });
  }
  return withAlertmanager(args, fleetOf(args), async (api) => {
    const silences = await api.list();
    const expired: Silence[] = [];
    for (const text of args.positionals) {
      const silence = findSilence(silences, text);
      if (silence.status.state !== "expired") await api.expire(silence.id);
      expired.push(silence);
    }
    if (args.values["json"] === true) {
      console.log(
        JSON.stringify(
          expired.map((s) => ({ id: s.id, expired: true })),
          null,
          2,
        ),
      );
    } else {
      for (const s of expired) {
        console.log(
          `${s.status.state === "expired" ? "Already expired" : "Expired"}: ${s.id} (${silenceMatchersText(s)})`,
        );
      }
    }
    return EXIT.ok;
  });
}

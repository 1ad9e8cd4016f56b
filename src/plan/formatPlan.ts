// A plan as people read it: grouped by kind, one line per change with + ~ -, diffs indented
// under their file, then the services and why each one is touched.
import { formatMode, type Ownership } from "../host/host.js";
import { ACTION_SYMBOL, CHANGE_TYPES, hasChanges, type Change, type ChangeType, type Plan } from "./plan.js";

const HEADINGS: Readonly<Record<ChangeType, string>> = {
  repository: "Package repositories",
  package: "Packages",
  release: "Release tarballs",
  user: "Users",
  directory: "Directories",
  file: "Files",
  unit: "Units",
  provision: "Provisioning",
};

/** Diffs longer than this are cut; the rest is one `stackmon render` away. */
const MAX_DIFF_LINES = 200;

function ownership(o: Ownership): string {
  return `${formatMode(o.mode)} ${o.owner}:${o.group}`;
}

function describeChange(change: Change): string[] {
  const head = `  ${ACTION_SYMBOL[change.action]} ${change.subject}`;
  switch (change.type) {
    case "repository":
      return [`${head} (for ${change.binaries.join(", ")})`];
    case "package": {
      const versions = [
        change.installed ? `installed ${change.installed}` : undefined,
        change.candidate
          ? `candidate ${change.candidate}`
          : "candidate known after the package lists are fetched",
        change.minVersion ? `needs ≥ ${change.minVersion}` : undefined,
      ].filter(Boolean);
      return [`${head} via ${change.manager} (${versions.join(", ")}) for ${change.binaries.join(", ")}`];
    }
    case "release":
      return [
        `${head} ${change.binary} ${change.version} from ${change.repo}, sha256-verified (${change.reason})`,
      ];
    case "user":
      return [
        change.action === "create"
          ? `${head} (system user, group ${change.group}, no login, no home${change.addGroups.length ? `, also in ${change.addGroups.join(",")}` : ""})`
          : `${head} joins ${change.addGroups.join(", ")}`,
      ];
    case "directory":
      return [`${head} ${ownership(change.ownership)}${change.was ? ` (was ${ownership(change.was)})` : ""}`];
    case "file":
    case "unit": {
      const attributes = change.ownership ? ` ${ownership(change.ownership)}` : "";
      const was = change.was ? ` (was ${ownership(change.was)})` : "";
      const lines = [`${head}${attributes}${was}`];
      if (change.secretsChanged.length > 0)
        lines.push(...change.secretsChanged.map((s) => `      secret changes: ${s}`));
      const diff = change.diff === "" ? [] : change.diff.split("\n");
      const shown = diff.slice(0, MAX_DIFF_LINES).map((l) => `      ${l}`);
      if (diff.length > MAX_DIFF_LINES)
        shown.push(`      ... ${diff.length - MAX_DIFF_LINES} more diff lines`);
      return [...lines, ...shown];
    }
    case "provision":
      return [`${head}: ${change.description} (${change.reason})`];
  }
}

export function formatPlan(plan: Plan): string {
  if (!hasChanges(plan)) return `No changes: ${plan.host} matches stackmon.yml.`;
  const out: string[] = [`Plan for ${plan.host}:`];
  for (const type of CHANGE_TYPES) {
    const changes = plan.changes.filter((c) => c.type === type);
    if (changes.length === 0) continue;
    out.push("", `${HEADINGS[type]}:`, ...changes.flatMap(describeChange));
  }
  if (plan.daemonReload || plan.services.length > 0) {
    out.push("", "Services:");
    if (plan.daemonReload) out.push("  systemctl daemon-reload (unit files change)");
    for (const s of plan.services) {
      const verbs = [
        s.enable === true ? "enable" : s.enable === false ? "disable" : undefined,
        s.run === "none" ? undefined : s.run,
      ].filter(Boolean);
      out.push(`  ${verbs.join(" + ").padEnd(16)} ${s.unit}: ${s.reasons.join("; ")}`);
    }
  }
  out.push("", summary(plan));
  return out.join("\n");
}

export function summary(plan: Plan): string {
  const count = (action: string) => plan.changes.filter((c) => c.action === action).length;
  const runs = (run: string) => plan.services.filter((s) => s.run === run).length;
  const service = [
    ["start", runs("start")],
    ["restart", runs("restart")],
    ["reload", runs("reload")],
    ["stop", runs("stop")],
  ]
    .filter(([, n]) => n !== 0)
    .map(([verb, n]) => `${n} to ${verb}`);
  return `Plan: ${count("create")} to add, ${count("update")} to change, ${count("delete")} to remove; services: ${service.length ? service.join(", ") : "none touched"}.`;
}

/** What an apply did, in the plan's terms. */
export function appliedSummary(plan: Plan): string {
  const count = (action: string) => plan.changes.filter((c) => c.action === action).length;
  const runs = (run: string) => plan.services.filter((s) => s.run === run).length;
  const services = [
    ["started", runs("start")],
    ["restarted", runs("restart")],
    ["reloaded", runs("reload")],
    ["stopped", runs("stop")],
  ]
    .filter(([, n]) => n !== 0)
    .map(([verb, n]) => `${n} ${verb}`);
  return `Applied: ${count("create")} added, ${count("update")} changed, ${count("delete")} removed; services: ${services.length ? services.join(", ") : "none touched"}.`;
}

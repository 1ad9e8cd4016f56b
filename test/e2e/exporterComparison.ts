// Hardening must never change what an exporter sees. Each hardened exporter unit is compared with
// the same program, same arguments, same user, run unconfined next to it (a transient systemd
// unit without any sandboxing): the metric families it exposes, the value of every series that
// says whether something worked or how the host is (collector success, up, read-only flags) and
// the set of filesystems it reports must all agree.
import type { Container } from "./container.js";
import { parseExposition, type Sample } from "../helpers/exposition.js";

/** Series whose values say what works and how the host is: they must be equal, label for label. */
const EQUAL_VALUES = [
  /_success$/,
  /(^|_)up$/,
  /^node_filesystem_(readonly|device_error)$/,
  /^node_textfile_scrape_error$/,
  /^node_timex_sync_status$/,
  /^mysql_exporter_last_scrape_error$/,
  /^probe_http_status_code$/,
];

/** Series that only say how busy the exporter was (scrape counters, durations, its memory). */
const VOLATILE_FAMILY =
  /^(go_|net_conntrack_|process_(cpu|resident|virtual|open_fds)|promhttp_|scrape_)|_duration_seconds$/;

function seriesKey(sample: Sample): string {
  const labels = Object.entries(sample.labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}="${value}"`);
  return `${sample.name}{${labels.join(",")}}`;
}

function families(samples: readonly Sample[]): Set<string> {
  return new Set(samples.map((s) => s.name));
}

function comparedValues(samples: readonly Sample[]): Map<string, number> {
  return new Map(
    samples
      .filter((s) => EQUAL_VALUES.some((pattern) => pattern.test(s.name)))
      .map((s) => [seriesKey(s), s.value]),
  );
}

/**
 * How the hardened exporter's exposition differs from the unconfined one's, one line per
 * difference; empty when they agree.
 */
export function exporterDifferences(hardenedText: string, unconfinedText: string): string[] {
  const hardened = parseExposition(hardenedText);
  const unconfined = parseExposition(unconfinedText);
  const differences: string[] = [];
  const [ours, theirs] = [families(hardened), families(unconfined)];
  const missing = (from: Set<string>, in_: Set<string>) =>
    [...from].filter((name) => !in_.has(name) && !VOLATILE_FAMILY.test(name)).sort();
  for (const name of missing(theirs, ours)) differences.push(`${name}: only unconfined`);
  for (const name of missing(ours, theirs)) differences.push(`${name}: only hardened`);
  const [hardenedValues, unconfinedValues] = [comparedValues(hardened), comparedValues(unconfined)];
  for (const key of [...new Set([...hardenedValues.keys(), ...unconfinedValues.keys()])].sort()) {
    const [h, u] = [hardenedValues.get(key), unconfinedValues.get(key)];
    if (h !== u) differences.push(`${key}: hardened ${h ?? "absent"}, unconfined ${u ?? "absent"}`);
  }
  return differences;
}

/** One exporter unit and how its running copy is reached. */
export interface HardenedExporter {
  readonly unit: string;
  /** The port it listens on, as in its --web.listen-address. */
  readonly port: number;
}

/** A copy of a running unit's program without any sandboxing, on another port. */
export interface UnconfinedCopy {
  readonly unit: string;
  readonly port: number;
  stop(): Promise<void>;
}

const show = async (container: Container, unit: string, property: string) =>
  (await container.run("systemctl", ["show", "-p", property, "--value", unit])).trim();

/**
 * Starts the program of `exporter.unit` as it runs (read from /proc: the exact argv and user),
 * with the same ambient capabilities but nothing else of the unit: no namespaces, no seccomp, no
 * read-only mounts. Only its listen address changes, and each directory the unit may write is
 * given as a copy, so the two never write the same files.
 */
export async function startUnconfined(
  container: Container,
  exporter: HardenedExporter,
  port: number,
): Promise<UnconfinedCopy> {
  const pid = await show(container, exporter.unit, "MainPID");
  const argv = (await container.run("cat", [`/proc/${pid}/cmdline`])).split("\0").filter((a) => a !== "");
  const [user, group, capabilities, writable] = await Promise.all(
    ["User", "Group", "AmbientCapabilities", "ReadWritePaths"].map((p) => show(container, exporter.unit, p)),
  );
  const copies = new Map<string, string>();
  for (const dir of writable?.split(/\s+/).filter((d) => d.startsWith("/")) ?? []) {
    const copy = `${dir}.unconfined`;
    await container.run("rm", ["-rf", copy]);
    await container.run("cp", ["-a", dir, copy]);
    copies.set(dir, copy);
  }
  const args = argv.map((arg) => {
    if (arg.startsWith("--web.listen-address=")) return arg.replace(/:\d+$/, `:${port}`);
    const [flag, value] = arg.split(/=(.*)/s);
    const copy = value === undefined ? undefined : copies.get(value);
    return copy ? `${flag}=${copy}` : arg;
  });
  const unit = `unconfined-${exporter.unit.replace(/\.service$/, "")}`;
  await container.run("systemd-run", [
    `--unit=${unit}`,
    `--uid=${user}`,
    `--gid=${group}`,
    ...(capabilities ? ["-p", `AmbientCapabilities=${capabilities}`] : []),
    "--",
    ...args,
  ]);
  return {
    unit,
    port,
    stop: async () => {
      await container.exec("systemctl", ["stop", unit]);
      for (const copy of copies.values()) await container.exec("rm", ["-rf", copy]);
    },
  };
}

// bench/cli: how fast the installed command line answers, against a bare Node.js start:
// `--help`, `validate` and `render` of the default config and of one with 1,000 blackbox
// targets. It runs the compiled dist/ (what install.sh installs), built first unless --no-build.
// Prints a table; goals: --help and validate within 3× of `node -e 0`, render of 1,000 targets
// under 1 s.
//
//   node --import tsx bench/cli.ts [--runs N] [--no-build]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { formatTable } from "../src/lib/textTable.js";
import { REPO_ROOT } from "../test/helpers/stackmon.js";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "15" }, "no-build": { type: "boolean", default: false } },
});
const runs = Math.max(3, Number(values.runs) || 15);

if (values["no-build"] !== true) {
  const build = spawnSync("npm", ["run", "build"], { cwd: REPO_ROOT, stdio: "inherit" });
  if (build.status !== 0) process.exit(1);
}

const STACKMON = join(REPO_ROOT, "dist", "cli", "main.js");
const work = mkdtempSync(join(tmpdir(), "stackmon-bench-cli-"));

interface Timing {
  /** Milliseconds from spawn to exit. */
  readonly wallMs: number;
  /** User plus system CPU of the process, in milliseconds (getrusage through bash's `time`). */
  readonly cpuMs: number;
}

/** One run of `command`, its output discarded; exits the bench if it fails. */
function timeOnce(command: readonly string[]): Timing {
  const quoted = command.map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(" ");
  const started = process.hrtime.bigint();
  const result = spawnSync(
    "bash",
    ["-c", `TIMEFORMAT='%3U %3S'; time ${quoted} >/dev/null 2>${work}/stderr`],
    {
      cwd: work,
      encoding: "utf8",
    },
  );
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    console.error(
      `${command.join(" ")} failed:\n${spawnSync("cat", [`${work}/stderr`], { encoding: "utf8" }).stdout}`,
    );
    process.exit(1);
  }
  const [user, system] = result.stderr.trim().split("\n").pop()?.split(" ").map(Number) ?? [];
  return { wallMs, cpuMs: ((user ?? 0) + (system ?? 0)) * 1000 };
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

interface Row {
  readonly what: string;
  readonly command: readonly string[];
  /** The goal: a multiple of `node -e 0`'s median wall time, or an absolute limit in ms. */
  readonly goal?: { readonly times: number } | { readonly underMs: number };
}

// 1,000 sites, as a large agency's stackmon.yml might list them.
const TARGETS = Array.from(
  { length: 1000 },
  (_, i) => `      - {url: "https://site${i}.example.com/", name: site${i}}`,
);
writeFileSync(join(work, "targets.yml"), `exporters:\n  blackbox:\n    targets:\n${TARGETS.join("\n")}\n`);
const init = spawnSync(process.execPath, [STACKMON, "init"], { cwd: work, encoding: "utf8" });
if (init.status !== 0) throw new Error(`stackmon init failed: ${init.stderr}`);

const rows: readonly Row[] = [
  { what: "node -e 0", command: [process.execPath, "-e", "0"] },
  { what: "stackmon --help", command: [process.execPath, STACKMON, "--help"], goal: { times: 3 } },
  {
    what: "validate (default config)",
    command: [process.execPath, STACKMON, "validate"],
    goal: { times: 3 },
  },
  {
    what: "render (default config)",
    command: [process.execPath, STACKMON, "render", "--out", "out-default"],
  },
  {
    what: "validate (1,000 targets)",
    command: [process.execPath, STACKMON, "validate", "-c", "targets.yml"],
  },
  {
    what: "render (1,000 targets)",
    command: [process.execPath, STACKMON, "render", "-c", "targets.yml", "--out", "out-targets"],
    goal: { underMs: 1000 },
  },
];

try {
  // Interleaved rounds, so that a busy moment of the machine weighs on every command alike.
  const timings = new Map<string, Timing[]>(rows.map((row) => [row.what, []]));
  for (let round = 0; round < runs; round++) {
    for (const row of rows) timings.get(row.what)?.push(timeOnce(row.command));
  }
  const wall = (what: string) => median((timings.get(what) ?? []).map((t) => t.wallMs));
  const baseline = wall("node -e 0");
  const table = [["COMMAND", "WALL ms", "CPU ms", "× node -e 0", "GOAL", "MET"]];
  for (const row of rows) {
    const ms = wall(row.what);
    const cpu = median((timings.get(row.what) ?? []).map((t) => t.cpuMs));
    const goal = row.goal;
    const goalText = !goal ? "" : "times" in goal ? `≤ ${goal.times}×` : `< ${goal.underMs} ms`;
    const met = !goal
      ? ""
      : ("times" in goal ? ms <= goal.times * baseline : ms < goal.underMs)
        ? "yes"
        : "no";
    table.push([row.what, ms.toFixed(0), cpu.toFixed(0), (ms / baseline).toFixed(1), goalText, met]);
  }
  console.log(`stackmon CLI (dist/), median of ${runs} runs, Node.js ${process.version}`);
  console.log(formatTable(table));
} finally {
  rmSync(work, { recursive: true, force: true });
}

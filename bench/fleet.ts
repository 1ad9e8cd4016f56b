// bench/fleet: what a fleet run costs the controller, side by side with Ansible converging the
// same hosts to the same files and units over the same SSH.
//
//   Table 1 (root, systemd-nspawn): a no-op apply of one host and of three booted Debian hosts
//     (goal: three within 1.5x of one), and ansible-playbook (Debian's ansible-core) copying the
//     files stackmon wrote there and keeping its units started, on one and on three hosts.
//   Table 2: plan of a simulated 200-host inventory laid out under --root: render and diff only
//     (goal: under 5 s).
//
//   node --import tsx bench/fleet.ts [--runs N] [--hosts-only | --plan-only]
// Wall seconds are the median of the runs; CPU seconds are the controller's (user + system).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { formatTable } from "../src/lib/textTable.js";
import { buildStackmonCopy } from "../test/e2e/artifacts.js";
import { cannotBootReason } from "../test/e2e/container.js";
import { FleetLab } from "../test/e2e/fleet/fleetLab.js";
import { ensureFleetRootfs } from "../test/e2e/fleet/fleetRootfs.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    "hosts-only": { type: "boolean", default: false },
    "plan-only": { type: "boolean", default: false },
  },
});
const runs = Math.max(1, Number(values.runs) || 5);

interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

/** `/usr/bin/time`'s "%e %U %S" from the last line of a command's stderr. */
function parseTime(stderr: string): Timing {
  const last = stderr.trim().split("\n").pop() ?? "";
  const [wall, user, system] = last.split(" ").map(Number);
  if (wall === undefined || user === undefined || system === undefined || Number.isNaN(wall)) {
    throw new Error(`no timing in: ${stderr.slice(-2000)}`);
  }
  return { wall, cpu: user + system };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function measure(label: string, once: () => Promise<Timing>): Promise<string[]> {
  const timings: Timing[] = [];
  for (let i = 0; i < runs; i++) timings.push(await once());
  const row = [
    label,
    median(timings.map((t) => t.wall)).toFixed(2),
    median(timings.map((t) => t.cpu)).toFixed(2),
  ];
  console.error(`measured: ${row.join("  ")}`);
  return row;
}

async function hostsTable(controller: string): Promise<string> {
  const hosts = ["mon1", "web1", "db1"];
  const lab = await FleetLab.start({ hosts, name: "bench", subnet: "10.81.0" });
  const work = mkdtempSync(join(tmpdir(), "stackmon-bench-fleet-"));
  try {
    const [mon1, web1, db1] = hosts.map((h) => lab.host(h).address);
    const config = join(work, "stackmon.yml");
    writeFileSync(
      config,
      `grafana: { enabled: false }\nhosts:\n  mon1: { ssh: root@${mon1}, roles: [server] }\n  web1: { ssh: root@${web1} }\n  db1: { ssh: root@${db1} }\n`,
    );
    const stackmon = (args: readonly string[]) =>
      lab.lanExec(
        "/usr/bin/time",
        [
          "-f",
          "%e %U %S",
          process.execPath,
          join(controller, "dist/cli/main.js"),
          ...args,
          "-c",
          config,
          "--state",
          join(work, "state"),
          "--ssh-config",
          lab.sshConfig,
        ],
        { timeoutMs: 900_000 },
      );
    const first = await stackmon(["apply"]);
    if (first.status !== 0) throw new Error(`the first apply failed:\n${first.stdout}\n${first.stderr}`);
    const noop = (args: readonly string[]) => async () => {
      const result = await stackmon(args);
      if (result.status !== 0 || / changed /.test(result.stdout)) {
        throw new Error(`not a no-op:\n${result.stdout}\n${result.stderr.slice(-2000)}`);
      }
      return parseTime(result.stderr);
    };
    const rows = [
      await measure("stackmon apply, 1 host (mon1)", noop(["apply", "--host", "mon1"])),
      await measure("stackmon apply, 3 hosts", noop(["apply"])),
    ];
    rows.push(...(await ansibleRows(lab, hosts, work)));
    return formatTable([["no-op run (median)", "wall s", "controller CPU s"], ...rows]);
  } finally {
    await lab.close();
    rmSync(work, { recursive: true, force: true });
  }
}

interface ManagedFile {
  readonly path: string;
  readonly mode: string;
  readonly owner: string;
  readonly group: string;
}

/** The files stackmon manages on a host (its applied-state record), copied here as they are there. */
async function managed(
  lab: FleetLab,
  host: string,
  into: string,
): Promise<{ files: ManagedFile[]; units: string[] }> {
  const record = await lab.exec(host, "cat", ["/var/lib/stackmon/applied.json"]);
  const applied = JSON.parse(record.stdout) as { files: string[]; services: { unit: string }[] };
  const files: ManagedFile[] = [];
  for (const path of applied.files) {
    const content = await lab.exec(host, "base64", ["-w0", path]);
    const local = join(into, host, path);
    mkdirSync(dirname(local), { recursive: true });
    writeFileSync(local, Buffer.from(content.stdout, "base64"));
    const [mode = "644", owner = "root", group = "root"] = (
      await lab.exec(host, "stat", ["-c", "%a %U %G", path])
    ).stdout
      .trim()
      .split(" ");
    files.push({ path, mode, owner, group });
  }
  return { files, units: applied.services.map((s) => s.unit) };
}

/** Ansible converging the same files and units: the per-file, per-unit work of a no-op apply. */
async function ansibleRows(lab: FleetLab, hosts: readonly string[], work: string): Promise<string[][]> {
  if (spawnSync("ansible-playbook", ["--version"]).status !== 0) {
    const installed = spawnSync(
      "apt-get",
      ["install", "-y", "-qq", "--no-install-recommends", "ansible-core"],
      // apt's progress goes to stderr: stdout is the table.
      { stdio: ["ignore", 2, 2] },
    );
    if (installed.status !== 0) return [["ansible-playbook (could not install ansible-core)", "-", "-"]];
  }
  const files = join(work, "ansible-files");
  const tasks: string[] = [];
  for (const host of hosts) {
    await lab.ssh(host, "apt-get install -y -qq python3 >/dev/null");
    const { files: managedFiles, units } = await managed(lab, host, files);
    for (const file of managedFiles) {
      tasks.push(
        `  - copy: { src: "${join(files, host, file.path)}", dest: "${file.path}", mode: "0${file.mode}", owner: "${file.owner}", group: "${file.group}" }\n    when: inventory_hostname == "${host}"`,
      );
    }
    for (const unit of units) {
      tasks.push(
        `  - systemd: { name: "${unit}", state: started, enabled: true }\n    when: inventory_hostname == "${host}"`,
      );
    }
  }
  const playbook = join(work, "playbook.yml");
  writeFileSync(playbook, `- hosts: all\n  gather_facts: false\n  tasks:\n${tasks.join("\n")}\n`);
  const inventory = join(work, "inventory.ini");
  writeFileSync(
    inventory,
    `[all]\n${hosts.map((h) => `${h} ansible_host=${lab.host(h).address} ansible_user=root`).join("\n")}\n[all:vars]\nansible_ssh_common_args=-F ${lab.sshConfig}\nansible_python_interpreter=/usr/bin/python3\n`,
  );
  const ansible = (limit: string) => async () => {
    const result = await lab.lanExec(
      "/usr/bin/time",
      ["-f", "%e %U %S", "ansible-playbook", "-i", inventory, "--limit", limit, "--forks", "8", playbook],
      { timeoutMs: 900_000, env: { ANSIBLE_HOST_KEY_CHECKING: "True", ANSIBLE_NOCOLOR: "1" } },
    );
    if (result.status !== 0 || /changed=[1-9]/.test(result.stdout)) {
      throw new Error(
        `ansible was not a no-op:\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-2000)}`,
      );
    }
    return parseTime(result.stderr);
  };
  await ansible("all")();
  return [
    await measure("ansible-playbook, 1 host (mon1)", ansible("mon1")),
    await measure("ansible-playbook, 3 hosts", ansible("all")),
  ];
}

/** A 200-host inventory laid out under --root once, then planned: render and diff only. */
function planTable(controller: string): string {
  const work = mkdtempSync(join(tmpdir(), "stackmon-bench-plan-"));
  try {
    const hosts = ["  mon1: { ssh: root@10.1.0.1, roles: [server] }"];
    for (let i = 2; i <= 200; i++)
      hosts.push(`  h${i}: { ssh: root@10.1.${Math.floor(i / 250)}.${(i % 250) + 1} }`);
    const config = join(work, "stackmon.yml");
    writeFileSync(
      config,
      `grafana: { enabled: false }\nexporters:\n  blackbox:\n    targets: [{ url: https://shop.example.com }]\nhosts:\n${hosts.join("\n")}\n`,
    );
    const run = (command: string) => {
      const result = spawnSync(
        "/usr/bin/time",
        [
          "-f",
          "%e %U %S",
          process.execPath,
          join(controller, "dist/cli/main.js"),
          command,
          "-c",
          config,
          "--state",
          join(work, "state"),
          "--root",
          join(work, "root"),
          "--parallel",
          "16",
        ],
        { encoding: "utf8", maxBuffer: 1 << 28 },
      );
      return { status: result.status ?? -1, timing: parseTime(result.stderr), stderr: result.stderr };
    };
    const applied = run("apply");
    if (applied.status !== 0) throw new Error(`apply --root failed: ${applied.stderr.slice(-2000)}`);
    const timings: Timing[] = [];
    for (let i = 0; i < runs; i++) {
      const planned = run("plan");
      if (planned.status !== 0)
        throw new Error(`plan found changes after apply: ${planned.stderr.slice(-2000)}`);
      timings.push(planned.timing);
    }
    const wall = median(timings.map((t) => t.wall));
    return formatTable([
      ["200-host plan, --root (median)", "wall s", "controller CPU s", "goal"],
      [
        "stackmon plan",
        wall.toFixed(2),
        median(timings.map((t) => t.cpu)).toFixed(2),
        `< 5 s (${wall < 5 ? "met" : "not met"})`,
      ],
    ]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const controller = buildStackmonCopy();
try {
  if (!values["plan-only"]) {
    const reason = cannotBootReason();
    if (reason) {
      console.log(`(no booted hosts here: ${reason})`);
    } else {
      ensureFleetRootfs((line) => console.error(`fleet rootfs: ${line}`));
      console.log(await hostsTable(controller));
      console.log("");
    }
  }
  if (!values["hosts-only"]) console.log(planTable(controller));
} finally {
  rmSync(controller, { recursive: true, force: true });
}

// The host itself: filesystems running out of space or inodes, RAID arrays and disk queues,
// memory, CPU (busy, stolen) and load, the clock, network errors, kernel tables (conntrack, file
// descriptors), OOM kills, failed and crash-looping systemd services, the exporter's own failing
// collectors, and the host unreachable altogether.
import type { AlertDefinition, AlertTestInput, Severity, TestSeries } from "../../alerting/alertRule.js";
import {
  caseOf,
  evalMinutes,
  humanizedDuration,
  ramp,
  rising,
  sampleMinutes,
  steady,
} from "../../alerting/testSeries.js";

/** The host of every test case, labelled as the node scrape job labels it. */
const HOST = { job: "node", instance: "web1" } as const;

type Labels = Readonly<Record<string, string>>;

function seriesOf(metric: string, labels: Labels = {}): string {
  const pairs = Object.entries({ ...labels, ...HOST }).map(([name, value]) => `${name}="${value}"`);
  return `${metric}{${pairs.join(",")}}`;
}

/** A whole percentage past `threshold`, halfway to 100, so that "%.0f" prints it exactly. */
function wholePercentAbove(threshold: number): number {
  return Math.min(100, Math.max(Math.floor(threshold) + 1, Math.floor((threshold + 100) / 2)));
}

/** Just short of `threshold` on the healthy side: near enough that a wrong comparison would fire. */
const justBelow = (threshold: number) => threshold * 0.95;
const justAbove = (threshold: number) => threshold * 1.05;

/** A value on the tenths grid well under `threshold` (> 0.25), so that "%.1f" prints it exactly. */
const tenthsBelow = (threshold: number) => Math.round(threshold * 8) / 10;

// ---- Filesystems -------------------------------------------------------------------------------

/** Filesystems that are not local disks (memory, network, overlays, images): not ours to fill. */
const NOT_DISKS = "tmpfs|ramfs|devtmpfs|squashfs|overlay|aufs|fuse.*|nfs.*|cifs|smb3|autofs|iso9660";
const DISKS = `{fstype!~"${NOT_DISKS}"}`;
// Binary operators match series by their labels, so filtering the first operand filters them all.
const WRITABLE = "node_filesystem_readonly == 0";
const FILESYSTEM: Labels = { device: "/dev/vda1", fstype: "ext4", mountpoint: "/" };

/** Space and inodes are watched the same way: free against total. */
interface FilesystemMeasure {
  readonly free: string;
  readonly total: string;
  /** "space", "inodes". */
  readonly noun: string;
  /** How the free percentage reads in a summary: "4.0% free", "4.0% of inodes free". */
  readonly freeText: string;
  /** The size of the test filesystem, in the measure's unit. */
  readonly testTotal: number;
  readonly almostOutName: string;
  readonly fillingUpName: string;
  /** What to look at first, for a person at a shell on the host. */
  advice(mountpoint: string): string;
}

const SPACE: FilesystemMeasure = {
  free: "node_filesystem_avail_bytes",
  total: "node_filesystem_size_bytes",
  noun: "space",
  freeText: "free",
  testTotal: 100e9,
  almostOutName: "NodeFilesystemAlmostOutOfSpace",
  fillingUpName: "NodeFilesystemSpaceFillingUp",
  advice: (mountpoint) =>
    `Writes fail when it is full: databases, logs and uploads stop first. Find what grew with \`sudo du -xh --max-depth=2 ${mountpoint} | sort -h | tail\`; old logs, backups and the journal (\`journalctl --vacuum-size=500M\`) are the usual suspects.`,
};

const INODES: FilesystemMeasure = {
  free: "node_filesystem_files_free",
  total: "node_filesystem_files",
  noun: "inodes",
  freeText: "of inodes free",
  testTotal: 10e6,
  almostOutName: "NodeFilesystemAlmostOutOfFiles",
  fillingUpName: "NodeFilesystemFilesFillingUp",
  advice: (mountpoint) =>
    `Without inodes no file can be created, even with space left. It is usually millions of small files (sessions, caches, mail queues): \`sudo du -x --inodes --max-depth=2 ${mountpoint} | sort -n | tail\` finds them.`,
};

const freePercent = (m: FilesystemMeasure) => `${m.free}${DISKS} / ${m.total} * 100`;

/**
 * The watched filesystem and two in the same state that must not alert, a memory-backed one and
 * a read-only one: a firing case expecting only the first proves both are left out.
 */
const TEST_FILESYSTEMS: readonly { readonly labels: Labels; readonly readonly: number }[] = [
  { labels: FILESYSTEM, readonly: 0 },
  { labels: { device: "tmpfs", fstype: "tmpfs", mountpoint: "/run" }, readonly: 0 },
  { labels: { device: "/dev/vdb", fstype: "ext4", mountpoint: "/mnt/archive" }, readonly: 1 },
];

function filesystemSeries(
  m: FilesystemMeasure,
  free: (series: string) => TestSeries,
  input: AlertTestInput,
  lookback?: number,
): TestSeries[] {
  return TEST_FILESYSTEMS.flatMap(({ labels, readonly }) => [
    free(seriesOf(m.free, labels)),
    steady(seriesOf(m.total, labels), m.testTotal, input, lookback),
    steady(seriesOf("node_filesystem_readonly", labels), readonly, input, lookback),
  ]);
}

const unitsOf = (m: FilesystemMeasure, percent: number) => Math.round((percent * m.testTotal) / 100);

function almostOut(m: FilesystemMeasure, severity: Severity, percent: number): AlertDefinition {
  const summary = (free: string, mountpoint: string, instance: string) =>
    `${free}% ${m.freeText} on ${mountpoint} at ${instance}`;
  const description = (mountpoint: string, device: string) =>
    `${mountpoint} (${device}) is almost out of ${m.noun}. ${m.advice(mountpoint)}`;
  return {
    name: m.almostOutName,
    upstream: { source: "node-mixin", name: m.almostOutName },
    severity,
    for: "30m",
    threshold: { default: percent, unit: "percent", min: 0.5, max: 50, reads: `free ${m.noun} below` },
    expr: (t) => `${freePercent(m)} < ${t} and ${WRITABLE}`,
    summary: summary('{{ $value | printf "%.1f" }}', "{{ $labels.mountpoint }}", "{{ $labels.instance }}"),
    description: description("{{ $labels.mountpoint }}", "{{ $labels.device }}"),
    tests: (input) => {
      const free = (percent: number) =>
        filesystemSeries(m, (series) => steady(series, unitsOf(m, percent), input), input);
      const firing = tenthsBelow(input.threshold);
      return {
        fires: caseOf(free(firing), input, {
          labels: { ...FILESYSTEM, ...HOST },
          summary: summary(firing.toFixed(1), "/", "web1"),
          description: description("/", "/dev/vda1"),
        }),
        quiet: caseOf(free(justAbove(input.threshold)), input),
      };
    },
  };
}

/** predict_linear looks back this far; the test series need as much history. */
const TREND_MINUTES = 360;

function fillingUp(
  m: FilesystemMeasure,
  severity: Severity,
  hours: number,
  guardPercent: number,
): AlertDefinition {
  const summary = (mountpoint: string, instance: string) =>
    `${mountpoint} at ${instance} will run out of ${m.noun} within ${hours} hours`;
  const description = (free: string, mountpoint: string) =>
    `${free}% ${m.freeText} now, and at the rate it filled over the last 6 hours it is full within ${hours} hours. ${m.advice(mountpoint)}`;
  return {
    name: m.fillingUpName,
    upstream: { source: "node-mixin", name: m.fillingUpName },
    severity,
    for: "1h",
    threshold: {
      default: guardPercent,
      unit: "percent",
      min: 1,
      max: 100,
      reads: `free ${m.noun} below {value}, while predicted to run out within ${hours} hours`,
    },
    expr: (t) =>
      `${freePercent(m)} < ${t} and predict_linear(${m.free}[6h], ${hours} * 3600) < 0 and ${WRITABLE}`,
    summary: summary("{{ $labels.mountpoint }}", "{{ $labels.instance }}"),
    description: description('{{ $value | printf "%.1f" }}', "{{ $labels.mountpoint }}"),
    tests: (input) => {
      // Empty halfway between the end of `for` and the horizon, so the prediction holds all
      // through `for`; and low enough that the guard holds all through `for` as well.
      const minutesToEmpty = Math.max(10, (hours * 60 - input.forMinutes) / 2);
      const share = minutesToEmpty / (minutesToEmpty + input.forMinutes) / 2;
      const firing = Math.max(0.1, Math.floor(input.threshold * share * 10) / 10);
      const draining = (percent: number) => {
        const free = unitsOf(m, percent);
        const perMinute = Math.round(free / minutesToEmpty);
        const series = (name: string) => ramp(name, free, -perMinute, input, TREND_MINUTES);
        return filesystemSeries(m, series, input, TREND_MINUTES);
      };
      return {
        fires: caseOf(
          draining(firing),
          input,
          {
            labels: { ...FILESYSTEM, ...HOST },
            summary: summary("/", "web1"),
            description: description(firing.toFixed(1), "/"),
          },
          TREND_MINUTES,
        ),
        // Draining as fast, but with more free than the guard.
        quiet: caseOf(draining(justAbove(input.threshold)), input, undefined, TREND_MINUTES),
      };
    },
  };
}

// ---- Memory, CPU, load -------------------------------------------------------------------------

// "Available below 10 %" is the same condition as "used above 90 %"; the pair is instead a slow
// warning and a fast critical for when the OOM killer is minutes away.
function memoryHigh(severity: Severity, percent: number, forText: string): AlertDefinition {
  const summary = (used: string, instance: string) => `Memory ${used}% used at ${instance}`;
  const description =
    "Little memory is left for programs and the file cache; when it runs out the kernel kills processes (OOM). Look at the biggest first: `ps aux --sort=-rss | head`, and `pm2 list` for Node apps.";
  const total = 8 * 2 ** 30;
  return {
    name: "NodeMemoryHighUtilization",
    upstream: { source: "node-mixin", name: "NodeMemoryHighUtilization" },
    severity,
    for: forText,
    threshold: { default: percent, unit: "percent", min: 1, max: 99, reads: "memory used above" },
    expr: (t) => `100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) > ${t}`,
    summary: summary('{{ $value | printf "%.0f" }}', "{{ $labels.instance }}"),
    description,
    tests: (input) => {
      const used = (percent: number) => [
        steady(seriesOf("node_memory_MemTotal_bytes"), total, input),
        steady(
          seriesOf("node_memory_MemAvailable_bytes"),
          Math.round((total * (100 - percent)) / 100),
          input,
        ),
      ];
      const firing = wholePercentAbove(input.threshold);
      return {
        fires: caseOf(used(firing), input, {
          labels: HOST,
          summary: summary(String(firing), "web1"),
          description,
        }),
        quiet: caseOf(used(justBelow(input.threshold)), input),
      };
    },
  };
}

/** Two CPUs, each spending the given percentages of its time in these modes, the rest idle. */
function cpuSeries(
  percentByMode: Readonly<Record<string, number>>,
  input: AlertTestInput,
  lookback?: number,
): TestSeries[] {
  const busy = Object.values(percentByMode).reduce((sum, p) => sum + p, 0);
  const modes = { ...percentByMode, idle: 100 - busy };
  return ["0", "1"].flatMap((cpu) =>
    Object.entries(modes).map(([mode, percent]) =>
      rising(seriesOf("node_cpu_seconds_total", { cpu, mode }), 0, (60 * percent) / 100, input, lookback),
    ),
  );
}

/**
 * Waiting for the disk (iowait) and for the hypervisor (steal) leave the CPU idle: they are
 * NodeDiskIOSaturation's and NodeCpuStealHigh's, not "busy".
 */
function cpuHighUsage(): AlertDefinition {
  const summary = (busy: string, instance: string) => `CPU ${busy}% busy at ${instance}`;
  const description =
    "Everything on the host gets slower when the CPU is saturated. `top` shows which processes use it (`pm2 monit` for Node apps): steady growth in load, or one runaway process?";
  return {
    name: "NodeCPUHighUsage",
    upstream: { source: "node-mixin", name: "NodeCPUHighUsage" },
    severity: "warning",
    for: "15m",
    threshold: {
      default: 90,
      unit: "percent",
      min: 1,
      max: 99,
      reads: "CPU busy (not waiting for disk or hypervisor) above",
    },
    expr: (t) =>
      `100 * sum without (mode) (avg without (cpu) (rate(node_cpu_seconds_total{mode!~"idle|iowait|steal"}[5m]))) > ${t}`,
    summary: summary('{{ $value | printf "%.0f" }}', "{{ $labels.instance }}"),
    description,
    tests: (input) => {
      const firing = wholePercentAbove(input.threshold);
      const below = justBelow(input.threshold);
      return {
        fires: caseOf(cpuSeries({ user: firing }, input), input, {
          labels: HOST,
          summary: summary(String(firing), "web1"),
          description,
        }),
        // Just below the threshold busy, and idle only for what is left after waiting on the disk.
        quiet: caseOf(cpuSeries({ user: below, iowait: Math.min(100 - below, 50) }, input), input),
      };
    },
  };
}

function cpuStealHigh(): AlertDefinition {
  const summary = (steal: string, instance: string) =>
    `The hypervisor takes ${steal}% of the CPU time of ${instance}`;
  const description =
    "Steal is time this virtual machine was ready to run but the hypervisor ran someone else: a noisy neighbour on the same physical host, or a burstable instance out of credits. Everything gets slower without anything here using more. Ask the provider, or move to a dedicated or larger instance.";
  return {
    name: "NodeCpuStealHigh",
    upstream: { source: "awesome-prometheus-alerts", name: "HostCpuStealNoisyNeighbor" },
    severity: "warning",
    for: "15m",
    threshold: {
      default: 10,
      unit: "percent",
      min: 1,
      max: 90,
      reads: "CPU time stolen by the hypervisor above",
    },
    expr: (t) => `100 * avg without (cpu) (rate(node_cpu_seconds_total{mode="steal"}[5m])) > ${t}`,
    summary: summary('{{ $value | printf "%.0f" }}', "{{ $labels.instance }}"),
    description,
    tests: (input) => {
      const firing = Math.min(90, Math.floor(input.threshold) + 5);
      const cpu = (steal: number) => cpuSeries({ user: 20, steal }, input);
      return {
        fires: caseOf(cpu(firing), input, {
          labels: { ...HOST, mode: "steal" },
          summary: summary(String(firing), "web1"),
          description,
        }),
        quiet: caseOf(cpu(justBelow(input.threshold)), input),
      };
    },
  };
}

function loadHigh(): AlertDefinition {
  const summary = (perCore: string, instance: string) => `Load ${perCore} per CPU core at ${instance}`;
  const description =
    "More processes want to run, or wait for the disk, than there are cores, so everything waits. In `top`, high `wa` means the disk is the bottleneck (`iotop` shows who), high `us`/`sy` the CPU.";
  return {
    name: "NodeSystemSaturation",
    upstream: { source: "node-mixin", name: "NodeSystemSaturation" },
    severity: "warning",
    for: "15m",
    threshold: {
      default: 2,
      unit: "ratio",
      min: 0.5,
      max: 100,
      reads: "5-minute load average per CPU core above",
    },
    expr: (t) => `node_load5 / count without (cpu, mode) (node_cpu_seconds_total{mode="idle"}) > ${t}`,
    summary: summary('{{ $value | printf "%.1f" }}', "{{ $labels.instance }}"),
    description,
    tests: (input) => {
      const loaded = (perCore: number) => [
        steady(seriesOf("node_load5"), perCore * 2, input),
        ...cpuSeries({ user: 50 }, input),
      ];
      const firing = Math.round(input.threshold * 15) / 10;
      return {
        fires: caseOf(loaded(firing), input, {
          labels: HOST,
          summary: summary(firing.toFixed(1), "web1"),
          description,
        }),
        quiet: caseOf(loaded(justBelow(input.threshold)), input),
      };
    },
  };
}

// ---- Clock -------------------------------------------------------------------------------------

const TIME_SERVICE =
  "Check `timedatectl status` and the time service (`systemctl status systemd-timesyncd`, or `chronyc tracking`).";

function clockNotSynchronising(): AlertDefinition {
  const description = `The clock is not kept in step by NTP any more, so it drifts; logs, TLS and scheduled jobs go wrong once it is far off. ${TIME_SERVICE}`;
  const clock = (synchronised: number, maxErrorSeconds: number) => (input: AlertTestInput) => [
    steady(seriesOf("node_timex_sync_status"), synchronised, input),
    steady(seriesOf("node_timex_maxerror_seconds"), maxErrorSeconds, input),
  ];
  return {
    name: "NodeClockNotSynchronising",
    upstream: { source: "node-mixin", name: "NodeClockNotSynchronising" },
    severity: "warning",
    for: "10m",
    // The kernel sets the maximum error to 16 s when nothing has synchronised it.
    expr: () => "min_over_time(node_timex_sync_status[5m]) == 0 and node_timex_maxerror_seconds >= 16",
    summary: "Clock at {{ $labels.instance }} is not synchronising",
    description,
    tests: (input) => ({
      fires: caseOf(clock(0, 16)(input), input, {
        labels: HOST,
        summary: "Clock at web1 is not synchronising",
        description,
      }),
      // Not flagged synchronised yet, but the kernel still trusts the clock to half a second.
      quiet: caseOf(clock(0, 0.5)(input), input),
    }),
  };
}

function clockSkew(): AlertDefinition {
  const summary = (offset: string, instance: string) => `Clock at ${instance} is off by ${offset}`;
  const description = `The clock is that far from its time source and the gap is not closing; logs, TLS and scheduled jobs go wrong once it is far off. ${TIME_SERVICE}`;
  return {
    name: "NodeClockSkewDetected",
    upstream: { source: "node-mixin", name: "NodeClockSkewDetected" },
    severity: "warning",
    for: "10m",
    threshold: {
      default: 0.05,
      unit: "seconds",
      min: 0.001,
      max: 60,
      reads: "clock offset beyond (either way)",
    },
    // An offset that is already shrinking is being corrected: no alert.
    expr: (t) =>
      `(node_timex_offset_seconds > ${t} and deriv(node_timex_offset_seconds[5m]) >= 0) or (node_timex_offset_seconds < -${t} and deriv(node_timex_offset_seconds[5m]) <= 0)`,
    summary: summary("{{ $value | humanizeDuration }}", "{{ $labels.instance }}"),
    description,
    tests: (input) => {
      const offset = (seconds: number) => [steady(seriesOf("node_timex_offset_seconds"), seconds, input)];
      // Still drifting away: from 1.5 times the threshold to twice it.
      const firing = input.threshold * 2;
      const drift = input.threshold / 2 / evalMinutes(input);
      const drifting = ramp(seriesOf("node_timex_offset_seconds"), firing, drift, input);
      return {
        fires: caseOf([drifting], input, {
          labels: HOST,
          summary: summary(humanizedDuration(firing), "web1"),
          description,
        }),
        quiet: caseOf(offset(justBelow(input.threshold)), input),
      };
    },
  };
}

// ---- Network and kernel tables -----------------------------------------------------------------

function networkErrors(name: string, direction: "receive" | "transmit"): AlertDefinition {
  const verb = direction === "receive" ? "received" : "sent";
  const summary = (ratio: string, device: string, instance: string) =>
    `${ratio}% of packets ${verb} on ${device} at ${instance} have errors`;
  const description = (device: string) =>
    `The network card reports damaged or failed packets: a bad cable or switch port, a duplex mismatch, a driver problem, or on a VM the host's network. \`ip -s link show ${device}\` shows the counters; look at the kernel log (\`journalctl -k\`).`;
  const errors = `node_network_${direction}_errs_total`;
  const packets = `node_network_${direction}_packets_total`;
  const device: Labels = { device: "eth0" };
  return {
    name,
    upstream: { source: "node-mixin", name },
    severity: "warning",
    for: "1h",
    threshold: {
      default: 1,
      unit: "percent",
      min: 0.01,
      max: 50,
      reads: `${verb} packets with errors above`,
    },
    expr: (t) => `rate(${errors}[5m]) / rate(${packets}[5m]) * 100 > ${t}`,
    summary: summary('{{ $value | printf "%.1f" }}', "{{ $labels.device }}", "{{ $labels.instance }}"),
    description: description("{{ $labels.device }}"),
    tests: (input) => {
      // 1000 packets a minute: ten errors a minute per percent.
      const traffic = (errorPercent: number) => [
        rising(seriesOf(packets, device), 0, 1000, input),
        rising(seriesOf(errors, device), 0, errorPercent * 10, input),
      ];
      const firing = Math.min(100, Math.floor(input.threshold * 2) + 1);
      return {
        fires: caseOf(traffic(firing), input, {
          labels: { ...device, ...HOST },
          summary: summary(firing.toFixed(1), "eth0", "web1"),
          description: description("eth0"),
        }),
        quiet: caseOf(traffic(justBelow(input.threshold)), input),
      };
    },
  };
}

/** An alert on how full a kernel table is: `used / limit` as a percentage. */
interface TableUsage {
  readonly name: string;
  readonly severity: Severity;
  readonly for: string;
  readonly percent: number;
  readonly used: string;
  readonly limit: string;
  /** The test table's size. */
  readonly testLimit: number;
  readonly reads: string;
  summary(percent: string, instance: string): string;
  readonly description: string;
}

function tableNearlyFull(table: TableUsage): AlertDefinition {
  return {
    name: table.name,
    upstream: { source: "node-mixin", name: table.name },
    severity: table.severity,
    for: table.for,
    threshold: { default: table.percent, unit: "percent", min: 1, max: 99, reads: table.reads },
    expr: (t) => `${table.used} / ${table.limit} * 100 > ${t}`,
    summary: table.summary('{{ $value | printf "%.0f" }}', "{{ $labels.instance }}"),
    description: table.description,
    tests: (input) => {
      const usage = (percent: number) => [
        steady(seriesOf(table.limit), table.testLimit, input),
        steady(seriesOf(table.used), Math.round((table.testLimit * percent) / 100), input),
      ];
      const firing = wholePercentAbove(input.threshold);
      return {
        fires: caseOf(usage(firing), input, {
          labels: HOST,
          summary: table.summary(String(firing), "web1"),
          description: table.description,
        }),
        quiet: caseOf(usage(justBelow(input.threshold)), input),
      };
    },
  };
}

const conntrackNearLimit = tableNearlyFull({
  name: "NodeHighNumberConntrackEntriesUsed",
  severity: "warning",
  for: "5m",
  percent: 75,
  used: "node_nf_conntrack_entries",
  limit: "node_nf_conntrack_entries_limit",
  testLimit: 262_144,
  reads: "connection tracking table used above",
  summary: (percent, instance) => `Connection tracking table ${percent}% full at ${instance}`,
  description:
    'When it is full the kernel drops new connections ("nf_conntrack: table full" in `journalctl -k`). See who holds so many connections (`ss -s`, `ss -tan | head`), or raise net.netfilter.nf_conntrack_max.',
});

const fileDescriptorsHigh = (severity: Severity, percent: number) =>
  tableNearlyFull({
    name: "NodeFileDescriptorLimit",
    severity,
    for: "15m",
    percent,
    used: "node_filefd_allocated",
    limit: "node_filefd_maximum",
    testLimit: 1_000_000,
    reads: "kernel file descriptors in use above",
    summary: (used, instance) => `${used}% of the kernel's file descriptors in use at ${instance}`,
    description:
      "When they run out, programs fail to open files and sockets (\"Too many open files\"). A leaking process is the usual cause: `sudo lsof -n | awk '{print $1}' | sort | uniq -c | sort -n | tail` shows who holds most.",
  });

// ---- Kernel and systemd events -----------------------------------------------------------------

/**
 * The kernel counts OOM kills, but while memory runs out the exporter's scrapes stall too: the
 * counter's increase may show only minutes later, so the window is half an hour, not five minutes.
 */
const OOM_WINDOW_MINUTES = 30;

function oomKillDetected(): AlertDefinition {
  const summary = "The kernel killed a process at {{ $labels.instance }} for lack of memory";
  const description = (kills: string) =>
    `${kills} OOM kills in the last ${OOM_WINDOW_MINUTES} minutes. \`journalctl -k | grep -i "killed process"\` names the victim; then see what used the memory (\`ps aux --sort=-rss | head\`, \`pm2 list\` for Node apps).`;
  const lookback = OOM_WINDOW_MINUTES + 5;
  return {
    name: "NodeOomKillDetected",
    upstream: { source: "awesome-prometheus-alerts", name: "HostOomKillDetected" },
    severity: "warning",
    for: "0s",
    expr: () => `increase(node_vmstat_oom_kill[${OOM_WINDOW_MINUTES}m]) > 0`,
    summary,
    description: description('{{ $value | printf "%.0f" }}'),
    tests: (input) => {
      // A kill every 15 minutes, the last 5 minutes before the evaluation: two in every window.
      const at = evalMinutes(input, lookback);
      const killsBy = (minute: number) =>
        Array.from({ length: at }, (_, k) => at - 5 - 15 * k).filter((t) => t >= 1 && t <= minute).length;
      const values = Array.from({ length: sampleMinutes(input, lookback) + 1 }, (_, m) => 3 + killsBy(m));
      return {
        fires: caseOf(
          [{ series: seriesOf("node_vmstat_oom_kill"), values: values.join(" ") }],
          input,
          {
            labels: HOST,
            summary: "The kernel killed a process at web1 for lack of memory",
            description: description("2"),
          },
          lookback,
        ),
        // Kills long ago, none lately.
        quiet: caseOf(
          [steady(seriesOf("node_vmstat_oom_kill"), 3, input, lookback)],
          input,
          undefined,
          lookback,
        ),
      };
    },
  };
}

const UNIT: Labels = { name: "backup.service", type: "service" };

function systemdUnitFailed(): AlertDefinition {
  const summary = (unit: string, instance: string) => `${unit} failed at ${instance}`;
  const description = (unit: string) =>
    `systemd gave up on ${unit}. \`systemctl status ${unit}\` and \`journalctl -u ${unit} -n 50\` say why; once fixed, start it again, or clear it with \`systemctl reset-failed ${unit}\` if it is not needed.`;
  return {
    name: "NodeSystemdServiceFailed",
    upstream: { source: "node-mixin", name: "NodeSystemdServiceFailed" },
    severity: "warning",
    for: "5m",
    expr: () => 'node_systemd_unit_state{state="failed"} == 1',
    summary: summary("{{ $labels.name }}", "{{ $labels.instance }}"),
    description: description("{{ $labels.name }}"),
    tests: (input) => {
      // The collector gives every unit one series per state, 1 for the one it is in.
      const states = (failed: number) => [
        steady(seriesOf("node_systemd_unit_state", { ...UNIT, state: "active" }), 1 - failed, input),
        steady(seriesOf("node_systemd_unit_state", { ...UNIT, state: "failed" }), failed, input),
      ];
      return {
        fires: caseOf(states(1), input, {
          labels: { ...UNIT, state: "failed", ...HOST },
          summary: summary("backup.service", "web1"),
          description: description("backup.service"),
        }),
        quiet: caseOf(states(0), input),
      };
    },
  };
}

function systemdServiceCrashlooping(): AlertDefinition {
  const summary = (restarts: string, unit: string, instance: string) =>
    `${unit} restarted ${restarts} times in 15 minutes at ${instance}`;
  const description = (unit: string) =>
    `systemd keeps restarting ${unit} (Restart=): it starts, fails and starts again, so it is down most of the time without ever being "failed". \`journalctl -u ${unit} -n 100\` shows why it exits; \`systemctl status ${unit}\` how often.`;
  const service: Labels = { name: "app.service" };
  return {
    name: "NodeSystemdServiceCrashlooping",
    upstream: { source: "node-mixin", name: "NodeSystemdServiceCrashlooping" },
    severity: "warning",
    for: "15m",
    threshold: { default: 2, unit: "count", min: 1, max: 1000, reads: "restarts in 15 minutes above" },
    // Needs --collector.systemd.enable-restarts-metrics (systemd's NRestarts).
    expr: (t) => `increase(node_systemd_service_restart_total[15m]) > ${t}`,
    summary: summary('{{ $value | printf "%.0f" }}', "{{ $labels.name }}", "{{ $labels.instance }}"),
    description: description("{{ $labels.name }}"),
    tests: (input) => {
      // Restarts every few minutes: (threshold + 1) in each 15 minutes.
      const restartsPer15 = Math.floor(input.threshold) + 1;
      const restarts = (per15: number) =>
        rising(seriesOf("node_systemd_service_restart_total", service), 0, per15 / 15, input, 30);
      return {
        fires: caseOf(
          [restarts(restartsPer15)],
          input,
          {
            labels: { ...service, ...HOST },
            summary: summary(String(restartsPer15), "app.service", "web1"),
            description: description("app.service"),
          },
          30,
        ),
        quiet: caseOf([restarts(Math.max(0, Math.ceil(input.threshold) - 1))], input, undefined, 30),
      };
    },
  };
}

// ---- Disks ------------------------------------------------------------------------------------

const ARRAY: Labels = { device: "md0" };

/** A software RAID array's disks, as the mdadm collector reads /proc/mdstat. */
function raidSeries(required: number, active: number, failed: number, input: AlertTestInput): TestSeries[] {
  return [
    steady(seriesOf("node_md_disks_required", ARRAY), required, input),
    steady(seriesOf("node_md_disks", { ...ARRAY, state: "active" }), active, input),
    steady(seriesOf("node_md_disks", { ...ARRAY, state: "failed" }), failed, input),
    steady(seriesOf("node_md_disks", { ...ARRAY, state: "spare" }), 0, input),
  ];
}

function raidDegraded(): AlertDefinition {
  const summary = (missing: string, device: string, instance: string) =>
    `RAID array ${device} at ${instance} is degraded: ${missing} disk(s) missing`;
  const description = (device: string) =>
    `It runs without redundancy: one more disk failure loses data. \`cat /proc/mdstat\` and \`mdadm --detail /dev/${device}\` show which member is gone; replace it (\`mdadm --manage /dev/${device} --add\`) and let it resync. Check that backups are current meanwhile.`;
  return {
    name: "NodeRAIDDegraded",
    upstream: { source: "node-mixin", name: "NodeRAIDDegraded" },
    severity: "critical",
    for: "15m",
    expr: () => 'node_md_disks_required - ignoring (state) node_md_disks{state="active"} > 0',
    summary: summary('{{ $value | printf "%.0f" }}', "{{ $labels.device }}", "{{ $labels.instance }}"),
    description: description("{{ $labels.device }}"),
    tests: (input) => ({
      fires: caseOf(raidSeries(2, 1, 1, input), input, {
        labels: { ...ARRAY, ...HOST },
        summary: summary("1", "md0", "web1"),
        description: description("md0"),
      }),
      quiet: caseOf(raidSeries(2, 2, 0, input), input),
    }),
  };
}

function raidDiskFailure(): AlertDefinition {
  const summary = (device: string, instance: string) =>
    `A disk of RAID array ${device} failed at ${instance}`;
  const description = (device: string) =>
    `The kernel marked a member of ${device} faulty. While a spare takes over the array still works, but the failed disk must go: \`mdadm --detail /dev/${device}\` names it, \`smartctl -a\` tells whether the disk or its cable is at fault.`;
  return {
    name: "NodeRAIDDiskFailure",
    upstream: { source: "node-mixin", name: "NodeRAIDDiskFailure" },
    severity: "warning",
    for: "0s",
    expr: () => 'node_md_disks{state="failed"} > 0',
    summary: summary("{{ $labels.device }}", "{{ $labels.instance }}"),
    description: description("{{ $labels.device }}"),
    tests: (input) => ({
      fires: caseOf(raidSeries(2, 2, 1, input), input, {
        labels: { ...ARRAY, state: "failed", ...HOST },
        summary: summary("md0", "web1"),
        description: description("md0"),
      }),
      quiet: caseOf(raidSeries(2, 2, 0, input), input),
    }),
  };
}

function diskIOSaturation(): AlertDefinition {
  const summary = (queue: string, device: string, instance: string) =>
    `Disk ${device} at ${instance} has ${queue} requests waiting on average`;
  const description = (device: string) =>
    `More I/O is asked of ${device} than it can serve, so every read and write waits (and the load average rises with processes in D state). \`iostat -x 5\` shows the queue (aqu-sz) and utilisation, \`iotop -o\` who does the I/O: a backup, a database without enough memory for its working set, swapping.`;
  const disk: Labels = { device: "vda" };
  return {
    name: "NodeDiskIOSaturation",
    upstream: { source: "node-mixin", name: "NodeDiskIOSaturation" },
    severity: "warning",
    for: "30m",
    threshold: { default: 10, unit: "count", min: 1, max: 1000, reads: "average I/O queue length above" },
    // Seconds spent per second, weighted by the requests in flight: the average queue length.
    expr: (t) => `rate(node_disk_io_time_weighted_seconds_total[5m]) > ${t}`,
    summary: summary('{{ $value | printf "%.1f" }}', "{{ $labels.device }}", "{{ $labels.instance }}"),
    description: description("{{ $labels.device }}"),
    tests: (input) => {
      const queue = (length: number) => [
        rising(seriesOf("node_disk_io_time_weighted_seconds_total", disk), 0, 60 * length, input),
      ];
      const firing = Math.floor(input.threshold * 2) + 1;
      return {
        fires: caseOf(queue(firing), input, {
          labels: { ...disk, ...HOST },
          summary: summary(firing.toFixed(1), "vda", "web1"),
          description: description("vda"),
        }),
        quiet: caseOf(queue(justBelow(input.threshold)), input),
      };
    },
  };
}

// ---- The host unreachable ---------------------------------------------------------------------

const hostUnreachableDescription =
  "Prometheus reaches neither its node exporter nor any other exporter on it: the host is down, cut off from the network, or its firewall changed. Its other targets' TargetDown alerts are held back while this one fires; the websites it serves are still reported by their probes. Try `ping` and `ssh`, then its console at the provider.";

/**
 * The whole host, not one exporter: its node exporter does not answer and neither does anything
 * else scraped from it. A node exporter that merely stopped, on a host whose other exporters
 * answer, is only its own TargetDown and holds nothing back.
 */
function hostUnreachable(): AlertDefinition {
  const up = (job: string, value: number, input: AlertTestInput) =>
    steady(`up{job="${job}",instance="${HOST.instance}"}`, value, input);
  return {
    name: "HostUnreachable",
    severity: "critical",
    for: "2m",
    expr: () => 'up{job="node"} == 0 unless on (instance) up == 1',
    summary: "{{ $labels.instance }} is unreachable: none of its exporters answers",
    description: hostUnreachableDescription,
    inhibits: ["TargetDown"],
    tests: (input) => ({
      fires: caseOf([up("node", 0, input), up("mysql", 0, input)], input, {
        labels: HOST,
        summary: "web1 is unreachable: none of its exporters answers",
        description: hostUnreachableDescription,
      }),
      // The node exporter stopped, MySQL's exporter still answers: the host is up.
      quiet: caseOf([up("node", 0, input), up("mysql", 1, input)], input),
    }),
  };
}

// ---- The exporter's own blind spots ---------------------------------------------------------

/**
 * The collectors whose data this catalog reads. Others report failure on any host that lacks
 * what they look for (bonding, mdadm without RAID, nfs, hwmon in a VM): node_exporter counts "no
 * data" as a failed collector, so alerting on them all would fire everywhere.
 */
const WATCHED_COLLECTORS = [
  "cpu",
  "diskstats",
  "filefd",
  "filesystem",
  "loadavg",
  "meminfo",
  "netdev",
  "stat",
  "systemd",
  "timex",
  "vmstat",
] as const;

function collectorFailed(): AlertDefinition {
  const summary = (collector: string, instance: string) =>
    `The node exporter's ${collector} collector fails at ${instance}`;
  const description = (collector: string) =>
    `Alerts built on what it collects cannot fire while it fails (filesystem: the disk alerts; timex: the clock alerts; systemd: failed and crash-looping units). \`journalctl -u prometheus-node-exporter\` names the error for ${collector}; a sandbox that hides what it reads is the usual cause, or a kernel interface missing on this host.`;
  const collectors = (failing: string) => (input: AlertTestInput) =>
    WATCHED_COLLECTORS.map((collector) =>
      steady(seriesOf("node_scrape_collector_success", { collector }), collector === failing ? 0 : 1, input),
    );
  return {
    name: "NodeExporterCollectorFailed",
    severity: "warning",
    for: "10m",
    expr: () => `node_scrape_collector_success{collector=~"${WATCHED_COLLECTORS.join("|")}"} == 0`,
    summary: summary("{{ $labels.collector }}", "{{ $labels.instance }}"),
    description: description("{{ $labels.collector }}"),
    verify: { check: "node exporter collectors", nameLabel: "collector" },
    tests: (input) => ({
      fires: caseOf(collectors("timex")(input), input, {
        labels: { collector: "timex", ...HOST },
        summary: summary("timex", "web1"),
        description: description("timex"),
      }),
      // Collectors with nothing to collect here (no bonding, no RAID) fail by design.
      quiet: caseOf(
        [
          ...collectors("none")(input),
          steady(seriesOf("node_scrape_collector_success", { collector: "bonding" }), 0, input),
          steady(seriesOf("node_scrape_collector_success", { collector: "mdadm" }), 0, input),
        ],
        input,
      ),
    }),
  };
}

export const nodeAlerts: readonly AlertDefinition[] = [
  almostOut(SPACE, "warning", 5),
  almostOut(SPACE, "critical", 3),
  fillingUp(SPACE, "warning", 24, 40),
  fillingUp(SPACE, "critical", 4, 20),
  almostOut(INODES, "warning", 5),
  almostOut(INODES, "critical", 3),
  fillingUp(INODES, "warning", 24, 40),
  fillingUp(INODES, "critical", 4, 20),
  raidDegraded(),
  raidDiskFailure(),
  diskIOSaturation(),
  memoryHigh("warning", 90, "15m"),
  memoryHigh("critical", 95, "5m"),
  cpuHighUsage(),
  cpuStealHigh(),
  loadHigh(),
  clockNotSynchronising(),
  clockSkew(),
  networkErrors("NodeNetworkReceiveErrs", "receive"),
  networkErrors("NodeNetworkTransmitErrs", "transmit"),
  conntrackNearLimit,
  fileDescriptorsHigh("warning", 70),
  fileDescriptorsHigh("critical", 90),
  oomKillDetected(),
  systemdUnitFailed(),
  systemdServiceCrashlooping(),
  collectorFailed(),
  hostUnreachable(),
];

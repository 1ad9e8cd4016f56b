// The node dashboard: the host at a glance (up, CPU, memory, fullest filesystem, load), then CPU,
// memory, disks, network, kernel limits and, where systemd runs the stack, its units.
import type { DashboardSpec, StackContext } from "../component.js";
import { buildDashboard, type DashboardRow } from "../../dashboards/dashboard.js";
import { booleanMappings, statPanel, tablePanel, timeseriesPanel } from "../../dashboards/panels.js";
import {
  alertThreshold,
  badWhenAny,
  highIsBad,
  okWhenOne,
  type AlertThresholdRef,
} from "../../dashboards/thresholds.js";
import { instanceVariable } from "../../dashboards/variables.js";

export interface NodeDashboardSettings {
  readonly systemd_collector: boolean;
}

const JOB = "node";
const SEL = `job="${JOB}", instance=~"$instance"`;
/** Local disks, as the filesystem alerts see them: not in memory, not remote, not images. */
const REAL_FS = `fstype!~"tmpfs|ramfs|devtmpfs|squashfs|overlay|aufs|fuse.*|nfs.*|cifs|smb3|autofs|iso9660"`;

/** Percent used per writable local filesystem; read-only ones are full by design. */
function usedPercent(free: string, total: string): string {
  const fs = `${SEL}, ${REAL_FS}`;
  return `100 * (1 - ${free}{${fs}} / ${total}{${fs}}) and node_filesystem_readonly{${fs}} == 0`;
}
const REAL_NICS = `device!~"lo|veth.*|docker.*|br-.*|virbr.*|cni.*|flannel.*"`;

/** The alerts these panels mirror, with the defaults documented for them. */
export const NODE_THRESHOLDS = {
  cpuBusy: { alert: "NodeCPUHighUsage", unit: "percent", fallback: 90 },
  memoryUsedWarning: {
    alert: "NodeMemoryHighUtilization",
    severity: "warning",
    unit: "percent",
    fallback: 90,
  },
  memoryUsedCritical: {
    alert: "NodeMemoryHighUtilization",
    severity: "critical",
    unit: "percent",
    fallback: 95,
  },
  spaceFreeWarning: {
    alert: "NodeFilesystemAlmostOutOfSpace",
    severity: "warning",
    unit: "percent",
    fallback: 5,
  },
  spaceFreeCritical: {
    alert: "NodeFilesystemAlmostOutOfSpace",
    severity: "critical",
    unit: "percent",
    fallback: 3,
  },
  inodesFreeWarning: {
    alert: "NodeFilesystemAlmostOutOfFiles",
    severity: "warning",
    unit: "percent",
    fallback: 5,
  },
  inodesFreeCritical: {
    alert: "NodeFilesystemAlmostOutOfFiles",
    severity: "critical",
    unit: "percent",
    fallback: 3,
  },
  loadPerCore: { alert: "NodeSystemSaturation", unit: "ratio", fallback: 2 },
  conntrackUsed: { alert: "NodeHighNumberConntrackEntriesUsed", unit: "percent", fallback: 75 },
  fdUsedWarning: { alert: "NodeFileDescriptorLimit", severity: "warning", unit: "percent", fallback: 70 },
  fdUsedCritical: { alert: "NodeFileDescriptorLimit", severity: "critical", unit: "percent", fallback: 90 },
} as const satisfies Record<string, AlertThresholdRef>;

/** Whether node_systemd_unit_state exists: the collector is on only where systemd runs the stack. */
function systemdCollectorOn(settings: NodeDashboardSettings, stack: StackContext): boolean {
  return settings.systemd_collector && stack.target.platform === "systemd";
}

export function nodeDashboards<S extends NodeDashboardSettings>(
  settings: S,
  stack: StackContext,
): readonly DashboardSpec[] {
  const t = (ref: AlertThresholdRef) => alertThreshold(stack.alerts, ref);
  const th = NODE_THRESHOLDS;
  const usedBelowFree = (free: number) => 100 - free;
  const systemd = systemdCollectorOn(settings, stack);

  const health: DashboardRow = {
    title: "Health",
    panels: [
      statPanel({
        title: "Exporter",
        description: "Whether Prometheus can scrape the node exporter on this host.",
        unit: "none",
        queries: [{ expr: `up{${SEL}}`, legend: "{{instance}}" }],
        mappings: booleanMappings("UP", "DOWN"),
        thresholds: okWhenOne(),
      }),
      statPanel({
        title: "Uptime",
        description: "Time since the host booted.",
        unit: "s",
        queries: [{ expr: `time() - node_boot_time_seconds{${SEL}}`, legend: "{{instance}}" }],
        decimals: 0,
      }),
      statPanel({
        title: "CPU busy",
        description:
          "Share of CPU time spent working, over all cores: neither idle nor waiting for the disk (iowait) or the hypervisor (steal), as the CPU alert counts it. Orange at its threshold.",
        unit: "percent",
        queries: [
          {
            expr: `100 * sum by (instance) (rate(node_cpu_seconds_total{${SEL}, mode!~"idle|iowait|steal"}[$__rate_interval])) / on(instance) count by (instance) (node_cpu_seconds_total{${SEL}, mode="idle"})`,
            legend: "{{instance}}",
          },
        ],
        thresholds: highIsBad({ warning: t(th.cpuBusy) }),
        min: 0,
        max: 100,
      }),
      statPanel({
        title: "Memory used",
        description: "Memory not available to new work (MemAvailable), as a share of all memory.",
        unit: "percent",
        queries: [
          {
            expr: `100 * (1 - node_memory_MemAvailable_bytes{${SEL}} / node_memory_MemTotal_bytes{${SEL}})`,
            legend: "{{instance}}",
          },
        ],
        thresholds: highIsBad({ warning: t(th.memoryUsedWarning), critical: t(th.memoryUsedCritical) }),
        min: 0,
        max: 100,
      }),
      statPanel({
        title: "Fullest filesystem",
        description:
          "Space used on the fullest writable local filesystem. Orange and red where the low-space alerts fire (free space below their thresholds).",
        unit: "percent",
        queries: [
          {
            expr: `max by (instance) (${usedPercent("node_filesystem_avail_bytes", "node_filesystem_size_bytes")})`,
            legend: "{{instance}}",
          },
        ],
        thresholds: highIsBad({
          warning: usedBelowFree(t(th.spaceFreeWarning)),
          critical: usedBelowFree(t(th.spaceFreeCritical)),
        }),
        min: 0,
        max: 100,
      }),
      statPanel({
        title: "Load per core",
        description: "5-minute load average divided by the number of cores; above 1 work waits for a CPU.",
        unit: "short",
        queries: [
          {
            expr: `node_load5{${SEL}} / on(instance) count by (instance) (node_cpu_seconds_total{${SEL}, mode="idle"})`,
            legend: "{{instance}}",
          },
        ],
        thresholds: highIsBad({ warning: t(th.loadPerCore) }),
        decimals: 2,
      }),
      ...(systemd
        ? [
            statPanel({
              title: "Failed units",
              description: "systemd units in the failed state.",
              unit: "none",
              queries: [
                {
                  expr: `count by (instance) (node_systemd_unit_state{${SEL}, state="failed"} == 1) or on(instance) (0 * up{${SEL}})`,
                  legend: "{{instance}}",
                },
              ],
              thresholds: badWhenAny(),
            }),
          ]
        : []),
    ],
  };

  const cpu: DashboardRow = {
    title: "CPU",
    panels: [
      timeseriesPanel({
        title: "CPU by mode",
        description: "Where CPU time goes, as a share of all cores (idle left out).",
        unit: "percent",
        queries: [
          {
            expr: `100 * avg by (instance, mode) (rate(node_cpu_seconds_total{${SEL}, mode!="idle"}[$__rate_interval]))`,
            legend: "{{instance}} {{mode}}",
          },
        ],
        thresholds: highIsBad({ warning: t(th.cpuBusy) }),
        min: 0,
      }),
      timeseriesPanel({
        title: "Load average",
        description: "Runnable and uninterruptible tasks, averaged over 1, 5 and 15 minutes.",
        unit: "short",
        queries: [
          { expr: `node_load1{${SEL}}`, legend: "{{instance}} 1m" },
          { expr: `node_load5{${SEL}}`, legend: "{{instance}} 5m" },
          { expr: `node_load15{${SEL}}`, legend: "{{instance}} 15m" },
        ],
        min: 0,
      }),
    ],
  };

  const memory: DashboardRow = {
    title: "Memory",
    panels: [
      timeseriesPanel({
        title: "Memory",
        description: "Used (not available), page cache, buffers and free memory.",
        unit: "bytes",
        queries: [
          {
            expr: `node_memory_MemTotal_bytes{${SEL}} - node_memory_MemAvailable_bytes{${SEL}}`,
            legend: "{{instance}} used",
          },
          { expr: `node_memory_Cached_bytes{${SEL}}`, legend: "{{instance}} cache" },
          { expr: `node_memory_Buffers_bytes{${SEL}}`, legend: "{{instance}} buffers" },
          { expr: `node_memory_MemFree_bytes{${SEL}}`, legend: "{{instance}} free" },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Memory used and swap",
        description: "Memory used as a share of all memory, with the alert's threshold; swap in use.",
        unit: "percent",
        queries: [
          {
            expr: `100 * (1 - node_memory_MemAvailable_bytes{${SEL}} / node_memory_MemTotal_bytes{${SEL}})`,
            legend: "{{instance}} memory",
          },
          {
            expr: `100 * (1 - node_memory_SwapFree_bytes{${SEL}} / (node_memory_SwapTotal_bytes{${SEL}} > 0)) or on(instance) (0 * node_memory_SwapTotal_bytes{${SEL}})`,
            legend: "{{instance}} swap",
          },
        ],
        thresholds: highIsBad({ warning: t(th.memoryUsedWarning), critical: t(th.memoryUsedCritical) }),
        min: 0,
        max: 100,
      }),
    ],
  };

  const disk: DashboardRow = {
    title: "Disks and filesystems",
    panels: [
      timeseriesPanel({
        title: "Filesystem space used",
        description: "Space used per local filesystem; the dashed lines are where the low-space alerts fire.",
        unit: "percent",
        queries: [
          {
            expr: usedPercent("node_filesystem_avail_bytes", "node_filesystem_size_bytes"),
            legend: "{{instance}} {{mountpoint}}",
          },
        ],
        thresholds: highIsBad({
          warning: usedBelowFree(t(th.spaceFreeWarning)),
          critical: usedBelowFree(t(th.spaceFreeCritical)),
        }),
        min: 0,
        max: 100,
      }),
      timeseriesPanel({
        title: "Inodes used",
        description:
          "Inodes used per local filesystem; a filesystem out of inodes is full whatever its free space.",
        unit: "percent",
        queries: [
          {
            expr: usedPercent("node_filesystem_files_free", "node_filesystem_files"),
            legend: "{{instance}} {{mountpoint}}",
          },
        ],
        thresholds: highIsBad({
          warning: usedBelowFree(t(th.inodesFreeWarning)),
          critical: usedBelowFree(t(th.inodesFreeCritical)),
        }),
        min: 0,
        max: 100,
      }),
      timeseriesPanel({
        title: "Disk throughput",
        description: "Bytes read (negative) and written per second, per disk.",
        unit: "Bps",
        queries: [
          {
            expr: `-rate(node_disk_read_bytes_total{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} {{device}} read",
          },
          {
            expr: `rate(node_disk_written_bytes_total{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} {{device}} written",
          },
        ],
      }),
      timeseriesPanel({
        title: "Disk busy",
        description: "Share of time each disk had I/O in progress; near 100% it is saturated.",
        unit: "percentunit",
        queries: [
          {
            expr: `rate(node_disk_io_time_seconds_total{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} {{device}}",
          },
        ],
        min: 0,
      }),
    ],
  };

  const network: DashboardRow = {
    title: "Network",
    panels: [
      timeseriesPanel({
        title: "Network traffic",
        description: "Bits received (negative) and sent per second, per interface.",
        unit: "bps",
        queries: [
          {
            expr: `-8 * rate(node_network_receive_bytes_total{${SEL}, ${REAL_NICS}}[$__rate_interval])`,
            legend: "{{instance}} {{device}} received",
          },
          {
            expr: `8 * rate(node_network_transmit_bytes_total{${SEL}, ${REAL_NICS}}[$__rate_interval])`,
            legend: "{{instance}} {{device}} sent",
          },
        ],
      }),
      timeseriesPanel({
        title: "Network errors and drops",
        description: "Packets per second received or sent with errors, or dropped, per interface.",
        unit: "pps",
        queries: [
          {
            expr: `rate(node_network_receive_errs_total{${SEL}, ${REAL_NICS}}[$__rate_interval]) + rate(node_network_transmit_errs_total{${SEL}, ${REAL_NICS}}[$__rate_interval])`,
            legend: "{{instance}} {{device}} errors",
          },
          {
            expr: `rate(node_network_receive_drop_total{${SEL}, ${REAL_NICS}}[$__rate_interval]) + rate(node_network_transmit_drop_total{${SEL}, ${REAL_NICS}}[$__rate_interval])`,
            legend: "{{instance}} {{device}} drops",
          },
        ],
        min: 0,
      }),
    ],
  };

  const kernel: DashboardRow = {
    title: "Kernel limits",
    panels: [
      timeseriesPanel({
        title: "File descriptors",
        description: "Open files and sockets as a share of the kernel's limit.",
        unit: "percent",
        queries: [
          {
            expr: `100 * node_filefd_allocated{${SEL}} / node_filefd_maximum{${SEL}}`,
            legend: "{{instance}}",
          },
        ],
        thresholds: highIsBad({ warning: t(th.fdUsedWarning), critical: t(th.fdUsedCritical) }),
        min: 0,
        span: 8,
      }),
      timeseriesPanel({
        title: "Connection tracking",
        description: "Connections the kernel tracks (firewall state) as a share of its table's size.",
        unit: "percent",
        queries: [
          {
            expr: `100 * node_nf_conntrack_entries{${SEL}} / node_nf_conntrack_entries_limit{${SEL}}`,
            legend: "{{instance}}",
          },
        ],
        thresholds: highIsBad({ warning: t(th.conntrackUsed) }),
        min: 0,
        span: 8,
      }),
      timeseriesPanel({
        title: "OOM kills and clock",
        span: 8,
        description:
          "Processes killed by the kernel for lack of memory, and whether the clock is synchronised (1) or not (0).",
        unit: "short",
        queries: [
          {
            expr: `increase(node_vmstat_oom_kill{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} OOM kills",
          },
          { expr: `node_timex_sync_status{${SEL}}`, legend: "{{instance}} clock synchronised" },
        ],
        min: 0,
      }),
    ],
  };

  const units: DashboardRow = {
    title: "systemd units",
    panels: [
      timeseriesPanel({
        title: "Units by state",
        description: "systemd units in each state.",
        unit: "none",
        queries: [
          {
            expr: `sum by (instance, state) (node_systemd_unit_state{${SEL}})`,
            legend: "{{instance}} {{state}}",
          },
        ],
        min: 0,
      }),
      tablePanel({
        title: "Failed units",
        description: "Each unit systemd reports as failed.",
        unit: "none",
        queries: [{ expr: `node_systemd_unit_state{${SEL}, state="failed"} == 1` }],
        columns: ["instance", "name"],
        span: 12,
        emptyWhen: "no unit has failed, as on a healthy host",
      }),
    ],
  };

  return [
    buildDashboard({
      uid: "stackmon-node",
      title: "Node",
      description: "The host: CPU, memory, disks and filesystems, network, kernel limits and systemd units.",
      tags: ["node"],
      variables: [instanceVariable(JOB)],
      rows: [health, cpu, memory, disk, network, kernel, ...(systemd ? [units] : [])],
      health: `min(up{job="${JOB}"})`,
    }),
  ];
}

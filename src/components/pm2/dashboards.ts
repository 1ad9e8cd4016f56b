// The PM2 dashboard: the daemon and every process's status on top; then CPU, memory, restarts,
// and the V8 heap, event loop and HTTP figures that @pm2/io publishes from inside each app.
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
import { instanceVariable, labelVariable } from "../../dashboards/variables.js";

const JOB = "pm2";
const HOSTS = `job="${JOB}", instance=~"$instance"`;
/** One PM2 daemon per user: the user tells two apps of the same name apart. */
const SEL = `${HOSTS}, pm2_user=~"$pm2_user"`;
const APP = `${SEL}, name=~"$app"`;
const DAEMON = "{{instance}} {{pm2_user}}";
const PROCESS = "{{instance}} {{pm2_user}}/{{name}} #{{pm_id}}";

export const PM2_THRESHOLDS = {
  restarts: { alert: "Pm2ProcessRestartLoop", unit: "count", fallback: 3 },
  memoryShare: { alert: "Pm2ProcessMemoryHigh", unit: "percent", fallback: 50 },
} as const satisfies Record<string, AlertThresholdRef>;

const NO_APP_METRICS =
  "no app publishes metrics of its own through @pm2/io (io.metric, io.counter, io.meter, io.histogram)";

const NO_PM2_IO_HTTP =
  "no app publishes HTTP metrics through @pm2/io (they are off unless the app turns them on with io.init({ http: true }))";

export function pm2Dashboards<S>(_settings: S, stack: StackContext): readonly DashboardSpec[] {
  const t = (ref: AlertThresholdRef) => alertThreshold(stack.alerts, ref);
  const th = PM2_THRESHOLDS;
  // The memory alert compares with the host's memory, which the node exporter reports.
  const nodeOnHost = stack.scrapeJobs.some((job) => job.jobName === "node");

  const health: DashboardRow = {
    title: "Health",
    panels: [
      statPanel({
        title: "PM2 daemon",
        description: "Whether the exporter's last look at the PM2 daemon succeeded.",
        unit: "none",
        queries: [{ expr: `pm2_daemon_up{${SEL}}`, legend: DAEMON }],
        mappings: booleanMappings("UP", "DOWN"),
        thresholds: okWhenOne(),
      }),
      statPanel({
        title: "Online",
        description: "Processes in the online state.",
        unit: "none",
        queries: [
          {
            expr: `sum by (instance, pm2_user) (pm2_process_status{${APP}, status="online"})`,
            legend: DAEMON,
          },
        ],
      }),
      statPanel({
        title: "Not online",
        description: "Processes stopped, errored, launching or stopping: each is an alert.",
        unit: "none",
        queries: [
          {
            expr: `count by (instance, pm2_user) (pm2_process_status{${APP}, status!="online"} == 1) or on(instance, pm2_user) (0 * pm2_daemon_up{${SEL}})`,
            legend: DAEMON,
          },
        ],
        thresholds: badWhenAny(),
      }),
      statPanel({
        title: "Restarts",
        description: "Restarts in the dashboard's time range, all processes together.",
        unit: "none",
        queries: [
          {
            expr: `sum by (instance) (increase(pm2_process_restarts_total{${APP}}[$__range]))`,
            legend: "{{instance}}",
          },
        ],
        decimals: 0,
      }),
      statPanel({
        title: "Memory",
        description: "Resident memory of all processes together.",
        unit: "bytes",
        queries: [{ expr: `sum by (instance) (pm2_process_memory_bytes{${APP}})`, legend: "{{instance}}" }],
      }),
      statPanel({
        title: "CPU",
        description: "CPU use of all processes together, in percent of one core.",
        unit: "percent",
        queries: [{ expr: `sum by (instance) (pm2_process_cpu_percent{${APP}})`, legend: "{{instance}}" }],
      }),
      tablePanel({
        title: "Processes",
        description: "Each process PM2 runs, with its current status.",
        unit: "none",
        queries: [{ expr: `pm2_process_status{${APP}} == 1` }],
        columns: ["instance", "pm2_user", "name", "pm_id", "namespace", "exec_mode", "status"],
      }),
    ],
  };

  const resources: DashboardRow = {
    title: "Resources",
    panels: [
      timeseriesPanel({
        title: "CPU by process",
        description: "CPU use per process, in percent of one core.",
        unit: "percent",
        queries: [{ expr: `pm2_process_cpu_percent{${APP}}`, legend: PROCESS }],
        min: 0,
      }),
      timeseriesPanel({
        title: "Memory by process",
        description: "Resident memory per process; steady growth is a leak.",
        unit: "bytes",
        queries: [{ expr: `pm2_process_memory_bytes{${APP}}`, legend: PROCESS }],
        min: 0,
      }),
      ...(nodeOnHost
        ? [
            timeseriesPanel({
              title: "Memory by process, share of the host",
              description:
                "Resident memory per process as a share of the host's memory (from the node exporter on the same host); the dashed line is the memory alert's threshold.",
              unit: "percent",
              queries: [
                {
                  expr: `100 * pm2_process_memory_bytes{${APP}} / on(instance) group_left node_memory_MemTotal_bytes{job="node", instance=~"$instance"}`,
                  legend: PROCESS,
                },
              ],
              thresholds: highIsBad({ warning: t(th.memoryShare) }),
              min: 0,
            }),
          ]
        : []),
      timeseriesPanel({
        title: "Restarts",
        description:
          "Restarts per process and unstable restarts (the process died before min_uptime: a crash loop), per 15 minutes; the dashed line is the restart-loop alert's threshold.",
        unit: "short",
        queries: [
          {
            expr: `900 * rate(pm2_process_restarts_total{${APP}}[$__rate_interval])`,
            legend: `${PROCESS} restarts`,
          },
          {
            expr: `900 * rate(pm2_process_unstable_restarts_total{${APP}}[$__rate_interval])`,
            legend: `${PROCESS} unstable`,
          },
        ],
        thresholds: highIsBad({ warning: t(th.restarts) }),
        min: 0,
      }),
      timeseriesPanel({
        title: "Uptime",
        description: "Time since each process last started; a drop is a restart.",
        unit: "s",
        queries: [{ expr: `time() - pm2_process_start_time_seconds{${APP}}`, legend: PROCESS }],
        min: 0,
      }),
    ],
  };

  const runtime: DashboardRow = {
    title: "Node.js runtime (@pm2/io)",
    panels: [
      timeseriesPanel({
        title: "Heap",
        description: "V8 heap used and its size per process, as @pm2/io reports them from inside the app.",
        unit: "bytes",
        queries: [
          { expr: `pm2_process_heap_used_bytes{${APP}}`, legend: `${PROCESS} used` },
          { expr: `pm2_process_heap_size_bytes{${APP}}`, legend: `${PROCESS} size` },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Event loop latency",
        description:
          "How late the event loop runs timers, mean and 95th percentile; high values mean blocked JavaScript.",
        unit: "s",
        queries: [
          { expr: `pm2_process_event_loop_latency_seconds{${APP}}`, legend: `${PROCESS} mean` },
          { expr: `pm2_process_event_loop_latency_p95_seconds{${APP}}`, legend: `${PROCESS} p95` },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Active handles and requests",
        description: "Open libuv handles (sockets, timers, files) and requests in flight per process.",
        unit: "none",
        queries: [
          { expr: `pm2_process_active_handles{${APP}}`, legend: `${PROCESS} handles` },
          { expr: `pm2_process_active_requests{${APP}}`, legend: `${PROCESS} requests` },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "HTTP",
        description:
          "Requests per second and mean and 95th-percentile latency, as @pm2/io measures them in the app.",
        unit: "s",
        queries: [
          { expr: `pm2_process_http_latency_mean_seconds{${APP}}`, legend: `${PROCESS} mean latency` },
          { expr: `pm2_process_http_latency_p95_seconds{${APP}}`, legend: `${PROCESS} p95 latency` },
        ],
        min: 0,
        emptyWhen: NO_PM2_IO_HTTP,
      }),
      timeseriesPanel({
        title: "App metrics",
        description:
          "What each app publishes itself with @pm2/io (gauges, counters), as published; the metric label is its name.",
        unit: "none",
        queries: [{ expr: `pm2_process_io_metric{${APP}}`, legend: `${PROCESS} {{metric}}` }],
        emptyWhen: NO_APP_METRICS,
      }),
      timeseriesPanel({
        title: "App rates",
        description: "Rates each app publishes with @pm2/io (meters, x/min units), per second.",
        unit: "reqps",
        queries: [{ expr: `pm2_process_io_metric_per_second{${APP}}`, legend: `${PROCESS} {{metric}}` }],
        min: 0,
        emptyWhen: NO_APP_METRICS,
      }),
      timeseriesPanel({
        title: "App durations",
        description: "Durations each app publishes with @pm2/io (histograms in ms and the like), in seconds.",
        unit: "s",
        queries: [{ expr: `pm2_process_io_metric_seconds{${APP}}`, legend: `${PROCESS} {{metric}}` }],
        min: 0,
        emptyWhen: NO_APP_METRICS,
      }),
      timeseriesPanel({
        title: "HTTP requests",
        description: "Requests per second each process served, as @pm2/io counts them.",
        unit: "reqps",
        queries: [{ expr: `pm2_process_http_requests_per_minute{${APP}} / 60`, legend: PROCESS }],
        min: 0,
        emptyWhen: NO_PM2_IO_HTTP,
      }),
      timeseriesPanel({
        title: "Collection time",
        description:
          "How long the exporter's last look at the PM2 daemon took; it asks when scraped, at most once per minimum age.",
        unit: "s",
        queries: [{ expr: `pm2_exporter_collection_duration_seconds{${SEL}}`, legend: DAEMON }],
        min: 0,
      }),
    ],
  };

  return [
    buildDashboard({
      uid: "stackmon-pm2",
      title: "Node.js apps (PM2)",
      description:
        "Every PM2 process: status, restarts, CPU and memory, and the V8 runtime figures @pm2/io publishes.",
      tags: ["pm2"],
      variables: [
        instanceVariable(JOB),
        labelVariable("pm2_user", "PM2 user", `pm2_daemon_up{${HOSTS}}`, "pm2_user"),
        labelVariable("app", "App", `pm2_process_status{${SEL}}`, "name"),
      ],
      rows: [health, resources, runtime],
      // Healthy: the daemon answers and every process is online (no process at all is fine too).
      health: `min(pm2_daemon_up{job="${JOB}"}) * (min(pm2_process_status{job="${JOB}", status="online"}) or vector(1)) or min(up{job="${JOB}"})`,
    }),
  ];
}

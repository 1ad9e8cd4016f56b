// Node.js apps under PM2, from our PM2 exporter: a process that is not online, one that keeps
// restarting, one that takes too much of the host's memory, and the PM2 daemon itself gone.
import type { AlertDefinition, AlertTestInput, TestSeries } from "../../alerting/alertRule.js";
import { caseOf, humanized, rising, steady } from "../../alerting/testSeries.js";

/** The exporter's job; `instance` is the host PM2 runs on, `pm2_user` whose daemon it is. */
const HOST = { job: "pm2", instance: "web1", pm2_user: "deploy" } as const;
const SHOP = { ...HOST, name: "shop", pm_id: "0", exec_mode: "fork", namespace: "default" } as const;

type Labels = Readonly<Record<string, string>>;

function seriesOf(metric: string, labels: Labels): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${value}"`);
  return `${metric}{${pairs.join(",")}}`;
}

/**
 * "shop (pm_id 0) of deploy": cluster instances share the name, the pm_id tells them apart, and
 * the user two apps of the same name under different users' daemons.
 */
const PROCESS = "{{ $labels.name }} (pm_id {{ $labels.pm_id }}) of {{ $labels.pm2_user }}";

/** The state set of one process: 1 for `status`, 0 for the others that matter here. */
function statusSeries(labels: Labels, status: string, input: AlertTestInput): TestSeries[] {
  return ["online", "stopped", "errored", status]
    .filter((s, i, all) => all.indexOf(s) === i)
    .map((s) =>
      steady(seriesOf("pm2_process_status", { ...labels, status: s }), s === status ? 1 : 0, input),
    );
}

const erroredDescription = (name: string) =>
  `It crashed again and again right after starting, so PM2 stopped restarting it: the app is down. Read why with \`pm2 logs ${name} --err --lines 100\`, fix it, then \`pm2 restart ${name}\`.`;

/** PM2 gave up on it: nothing will bring it back without someone. */
const errored: AlertDefinition = {
  name: "Pm2ProcessNotOnline",
  severity: "critical",
  for: "1m",
  expr: () => 'pm2_process_status{status="errored"} == 1',
  summary: `${PROCESS} is errored at {{ $labels.instance }}`,
  description: erroredDescription("{{ $labels.name }}"),
  tests: (input) => ({
    fires: caseOf(statusSeries(SHOP, "errored", input), input, {
      labels: { ...SHOP, status: "errored" },
      summary: "shop (pm_id 0) of deploy is errored at web1",
      description: erroredDescription("shop"),
    }),
    quiet: caseOf(statusSeries(SHOP, "waiting restart", input), input),
  }),
};

const notOnlineDescription = (name: string) =>
  `PM2 is not running it. If it was stopped on purpose and should stay so, remove it (\`pm2 delete ${name}\`, then \`pm2 save\`); otherwise \`pm2 restart ${name}\` and read \`pm2 logs ${name}\` for why it stopped. Stuck in "launching" or "waiting restart", it cannot start or keeps crashing.`;

/**
 * Stopped, or stuck between states. A process started to run once ("one-launch-status") is meant
 * to end; "errored" is the critical variant.
 */
const notOnline: AlertDefinition = {
  name: "Pm2ProcessNotOnline",
  severity: "warning",
  for: "5m",
  expr: () => 'pm2_process_status{status=~"stopped|stopping|launching|waiting restart"} == 1',
  summary: `${PROCESS} is {{ $labels.status }} at {{ $labels.instance }}`,
  description: notOnlineDescription("{{ $labels.name }}"),
  tests: (input) => ({
    fires: caseOf(statusSeries(SHOP, "stopped", input), input, {
      labels: { ...SHOP, status: "stopped" },
      summary: "shop (pm_id 0) of deploy is stopped at web1",
      description: notOnlineDescription("shop"),
    }),
    quiet: caseOf(
      [
        ...statusSeries(SHOP, "online", input),
        ...statusSeries({ ...SHOP, name: "migrate", pm_id: "1" }, "one-launch-status", input),
      ],
      input,
    ),
  }),
};

const restartLoopDescription = (name: string) =>
  `PM2 restarts it after each crash, so it can look up while failing. Read the crash in \`pm2 logs ${name} --err --lines 100\` (an exception at startup, a missing environment variable, its port in use); if memory is the cause, max_memory_restart is restarting it.`;

const restartLoop: AlertDefinition = {
  name: "Pm2ProcessRestartLoop",
  severity: "critical",
  for: "2m",
  threshold: { default: 3, unit: "count", min: 1, max: 1000, reads: "restarts in 15 minutes above" },
  expr: (t) => `increase(pm2_process_restarts_total[15m]) > ${t}`,
  summary: `${PROCESS} keeps restarting: {{ $value | printf "%.0f" }} restarts in 15 minutes at {{ $labels.instance }}`,
  description: restartLoopDescription("{{ $labels.name }}"),
  tests: (input) => {
    const restarts = seriesOf("pm2_process_restarts_total", SHOP);
    const perMinute = Math.max(1, Math.ceil((2 * input.threshold) / 15));
    return {
      fires: caseOf([rising(restarts, 7, perMinute, input)], input, {
        labels: SHOP,
        summary: `shop (pm_id 0) of deploy keeps restarting: ${15 * perMinute} restarts in 15 minutes at web1`,
        description: restartLoopDescription("shop"),
      }),
      // One restart fewer than the threshold in every 15 minutes.
      quiet: caseOf([rising(restarts, 7, (input.threshold - 1) / 15, input)], input),
    };
  },
};

const memoryDescription = (name: string) =>
  `Its resident memory stays this high. Growing between restarts, it is probably a leak: compare with the memory graph of the PM2 dashboard and take a heap snapshot; \`max_memory_restart\` in its ecosystem file is a stopgap. When the host runs out, the OOM killer ends a process, maybe ${name} or the database.`;

/** Test host: 4 GiB, so whole and half percentages are whole bytes. */
const TEST_MEMORY = 4 * 1024 ** 3;

/** Share of the host's memory: the node exporter on the same host gives the total (same instance). */
const memoryHigh: AlertDefinition = {
  name: "Pm2ProcessMemoryHigh",
  severity: "warning",
  for: "15m",
  threshold: { default: 50, unit: "percent", min: 1, max: 95, reads: "memory above (percent of the host's)" },
  expr: (t) => `100 * pm2_process_memory_bytes / on (instance) group_left node_memory_MemTotal_bytes > ${t}`,
  summary: `${PROCESS} uses {{ $value | humanize }}% of the memory of {{ $labels.instance }}`,
  description: memoryDescription("{{ $labels.name }}"),
  tests: (input) => {
    const memory = (percent: number): TestSeries[] => [
      steady(seriesOf("pm2_process_memory_bytes", SHOP), Math.round((TEST_MEMORY * percent) / 100), input),
      steady(seriesOf("node_memory_MemTotal_bytes", { job: "node", instance: "web1" }), TEST_MEMORY, input),
    ];
    const firing = (input.threshold + 100) / 2;
    const firingBytes = Math.round((TEST_MEMORY * firing) / 100);
    return {
      fires: caseOf(memory(firing), input, {
        labels: SHOP,
        summary: `shop (pm_id 0) of deploy uses ${humanized((100 * firingBytes) / TEST_MEMORY)}% of the memory of web1`,
        description: memoryDescription("shop"),
      }),
      quiet: caseOf(memory(input.threshold - 0.5), input),
    };
  },
};

const daemonDownDescription = (user: string) =>
  `The exporter cannot reach ${user}'s PM2 daemon: it was killed, the host rebooted without \`pm2 startup\`, or it hangs. The apps it ran may be down, and no other PM2 alert can fire for them. As ${user}, run \`pm2 ls\`; when the list is empty, \`pm2 resurrect\`, and \`pm2 startup\` so it comes back after a reboot.`;

/** Named by user: a host may run one PM2 daemon per user, and each can go down alone. */
const daemonDown: AlertDefinition = {
  name: "Pm2DaemonDown",
  severity: "critical",
  for: "1m",
  expr: () => "pm2_daemon_up == 0",
  summary: "the PM2 daemon of {{ $labels.pm2_user }} at {{ $labels.instance }} does not answer",
  description: daemonDownDescription("{{ $labels.pm2_user }}"),
  tests: (input) => {
    const api = { ...HOST, pm2_user: "api" };
    return {
      // deploy's daemon is down while api's answers: the alert names deploy alone.
      fires: caseOf(
        [steady(seriesOf("pm2_daemon_up", HOST), 0, input), steady(seriesOf("pm2_daemon_up", api), 1, input)],
        input,
        {
          labels: HOST,
          summary: "the PM2 daemon of deploy at web1 does not answer",
          description: daemonDownDescription("deploy"),
        },
      ),
      quiet: caseOf(
        [steady(seriesOf("pm2_daemon_up", HOST), 1, input), steady(seriesOf("pm2_daemon_up", api), 1, input)],
        input,
      ),
    };
  },
};

export const pm2Alerts: readonly AlertDefinition[] = [
  errored,
  notOnline,
  restartLoop,
  memoryHigh,
  daemonDown,
];

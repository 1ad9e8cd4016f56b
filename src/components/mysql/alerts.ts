// MySQL/MariaDB through mysqld_exporter (0.14 metric names): the server down or restarted, its
// connections, running threads and open files near their limits, slow queries piling up, replicas
// that stopped or fell behind, and the exporter's own failing collectors.
import type { AlertDefinition, TestSeries, UpstreamAlert } from "../../alerting/alertRule.js";
import { caseOf, humanized, humanizedDuration, rising, steady } from "../../alerting/testSeries.js";

/** The server of every test case, labelled as the mysql scrape job labels it. */
const SERVER = { job: "mysql", instance: "web1" } as const;

/** A replica's series carry its source; on MariaDB also the connection name (empty: absent). */
const REPLICA = { ...SERVER, master_host: "db1" } as const;

type Labels = Readonly<Record<string, string>>;

function seriesOf(metric: string, labels: Labels = SERVER): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${value}"`);
  return `${metric}{${pairs.join(",")}}`;
}

const mysqlDown: AlertDefinition = {
  name: "MySQLDown",
  upstream: { source: "mysqld-mixin", name: "MySQLDown" },
  severity: "critical",
  for: "1m",
  expr: () => "mysql_up != 1",
  summary: "MySQL at {{ $labels.instance }} is down",
  description:
    "The exporter cannot connect to MySQL at {{ $labels.instance }}: the server is stopped or crashed, refuses the exporter's login, or has no connection left. Look first at `systemctl status mariadb` (or mysql) and the end of the server's error log.",
  tests: (input) => ({
    fires: caseOf([steady(seriesOf("mysql_up"), 0, input)], input, {
      labels: SERVER,
      summary: "MySQL at web1 is down",
      description:
        "The exporter cannot connect to MySQL at web1: the server is stopped or crashed, refuses the exporter's login, or has no connection left. Look first at `systemctl status mariadb` (or mysql) and the end of the server's error log.",
    }),
    quiet: caseOf([steady(seriesOf("mysql_up"), 1, input)], input),
  }),
};

/** max_connections of the test server: a connection is a tenth of a percent. */
const TEST_MAX_CONNECTIONS = 1000;

const tooManyConnections: AlertDefinition = {
  name: "MySQLTooManyConnections",
  upstream: { source: "awesome-prometheus-alerts", name: "MysqlTooManyConnections(>80%)" },
  severity: "warning",
  for: "2m",
  threshold: {
    default: 80,
    unit: "percent",
    min: 1,
    // MySQL admits one connection beyond max_connections (for an admin), so 100 % is the ceiling.
    max: 99,
    reads: "connections in use above {value} of max_connections",
  },
  // 100 first, so that 800 of 1000 is exactly 80 and not 80.00000000000001.
  expr: (t) =>
    `100 * max_over_time(mysql_global_status_threads_connected[1m]) / mysql_global_variables_max_connections > ${t}`,
  summary: "MySQL at {{ $labels.instance }} has {{ $value | humanize }}% of max_connections in use",
  description:
    'New clients get "Too many connections" when it reaches 100%. Look at SHOW PROCESSLIST for piled-up or sleeping connections (an application pool that grew, a slow query holding others up); raise max_connections only when the load is real.',
  tests: (input) => {
    const connections = (connected: number): TestSeries[] => [
      steady(seriesOf("mysql_global_status_threads_connected"), connected, input),
      steady(seriesOf("mysql_global_variables_max_connections"), TEST_MAX_CONNECTIONS, input),
    ];
    const perMille = (percent: number) => Math.round((percent * TEST_MAX_CONNECTIONS) / 100);
    const firing = perMille((input.threshold + 100) / 2);
    return {
      fires: caseOf(connections(firing), input, {
        labels: SERVER,
        summary: `MySQL at web1 has ${humanized((100 * firing) / TEST_MAX_CONNECTIONS)}% of max_connections in use`,
        description:
          'New clients get "Too many connections" when it reaches 100%. Look at SHOW PROCESSLIST for piled-up or sleeping connections (an application pool that grew, a slow query holding others up); raise max_connections only when the load is real.',
      }),
      // One connection short of the threshold.
      quiet: caseOf(connections(Math.ceil((input.threshold * TEST_MAX_CONNECTIONS) / 100) - 1), input),
    };
  },
};

const slowQueriesDescription =
  "Queries running longer than long_query_time (10 s by default) keep arriving: users wait, and locks they hold slow others. The slow query log (slow_query_log=ON) names them; look there first, then at missing indexes with EXPLAIN.";

const slowQueries: AlertDefinition = {
  name: "MySQLSlowQueries",
  upstream: { source: "awesome-prometheus-alerts", name: "MysqlSlowQueries" },
  severity: "warning",
  // Held for longer than the 5-minute window, so one slow report at night does not fire it.
  for: "10m",
  // A report or a backup at night makes a few; more than two a minute for ten minutes is a problem.
  threshold: { default: 10, unit: "count", min: 0, max: 10000, reads: "slow queries in 5 minutes above" },
  expr: (t) => `increase(mysql_global_status_slow_queries[5m]) > ${t}`,
  summary: 'MySQL at {{ $labels.instance }}: {{ $value | printf "%.0f" }} slow queries in the last 5 minutes',
  description: slowQueriesDescription,
  tests: (input) => {
    const series = seriesOf("mysql_global_status_slow_queries");
    const perMinute = Math.floor(input.threshold / 5) + 2;
    return {
      fires: caseOf([rising(series, 100, perMinute, input)], input, {
        labels: SERVER,
        summary: `MySQL at web1: ${5 * perMinute} slow queries in the last 5 minutes`,
        description: slowQueriesDescription,
      }),
      // At the threshold's edge: none at the default of 0, nine tenths of it when raised.
      quiet: caseOf(
        [
          input.threshold === 0
            ? steady(series, 100, input)
            : rising(series, 100, (0.9 * input.threshold) / 5, input),
        ],
        input,
      ),
    };
  },
};

const IO_STOPPED =
  "The replica no longer fetches changes from its source (network, credentials, or the source purged binary logs it still needs)";
const SQL_STOPPED =
  "The replica no longer applies the changes it fetched: an event failed (a duplicate key, a missing table)";
const replicationStoppedDescription = (problem: string, instance: string) =>
  `${problem}, so it falls further behind. Run SHOW SLAVE STATUS\\G on ${instance} and read Last_IO_Error and Last_SQL_Error; START SLAVE once the cause is fixed.`;

const replicationStopped: AlertDefinition = {
  name: "MySQLReplicationStopped",
  upstream: {
    source: "awesome-prometheus-alerts",
    name: "MysqlSlaveIoThreadNotRunning, MysqlSlaveSqlThreadNotRunning",
  },
  severity: "critical",
  for: "2m",
  // Only replicas have slave_status series. "Connecting" counts as not running (0).
  expr: () =>
    'label_replace(mysql_slave_status_slave_io_running == 0, "thread", "IO", "", "") or label_replace(mysql_slave_status_slave_sql_running == 0, "thread", "SQL", "", "")',
  summary:
    "MySQL replica at {{ $labels.instance }}: the {{ $labels.thread }} thread is not running (source {{ $labels.master_host }})",
  description: replicationStoppedDescription(
    `{{ if eq $labels.thread "IO" }}${IO_STOPPED}{{ else }}${SQL_STOPPED}{{ end }}`,
    "{{ $labels.instance }}",
  ),
  tests: (input) => {
    const threads = (io: number, sql: number) => [
      steady(seriesOf("mysql_slave_status_slave_io_running", REPLICA), io, input),
      steady(seriesOf("mysql_slave_status_slave_sql_running", REPLICA), sql, input),
    ];
    return {
      fires: caseOf(threads(1, 0), input, {
        labels: { ...REPLICA, thread: "SQL" },
        summary: "MySQL replica at web1: the SQL thread is not running (source db1)",
        description: replicationStoppedDescription(SQL_STOPPED, "web1"),
      }),
      quiet: caseOf(threads(1, 1), input),
    };
  },
};

const replicationLagDescription =
  "Reads from this replica return old data, and a failover to it would lose the missing changes. Look for a long transaction or a heavy write burst on the source, and for disk or CPU saturation on the replica.";

const replicationLag: AlertDefinition = {
  name: "MySQLReplicationLag",
  upstream: { source: "awesome-prometheus-alerts", name: "MysqlSlaveReplicationLag" },
  severity: "warning",
  for: "1m",
  threshold: { default: 30, unit: "seconds", min: 1, max: 86400, reads: "replica behind its source by over" },
  // A replica delayed on purpose (SQL_Delay) is only late beyond its delay.
  expr: (t) =>
    `((mysql_slave_status_seconds_behind_master - mysql_slave_status_sql_delay) or mysql_slave_status_seconds_behind_master) > ${t}`,
  summary:
    "MySQL replica at {{ $labels.instance }} is {{ $value | humanizeDuration }} behind its source {{ $labels.master_host }}",
  description: replicationLagDescription,
  tests: (input) => {
    const lag = (behind: number, delay: number) => [
      steady(seriesOf("mysql_slave_status_seconds_behind_master", REPLICA), behind, input),
      steady(seriesOf("mysql_slave_status_sql_delay", REPLICA), delay, input),
    ];
    const firing = 2 * Math.ceil(input.threshold);
    return {
      fires: caseOf(lag(firing, 0), input, {
        labels: REPLICA,
        summary: `MySQL replica at web1 is ${humanizedDuration(firing)} behind its source db1`,
        description: replicationLagDescription,
      }),
      // An hour behind on purpose, and a second less than the threshold beyond that.
      quiet: caseOf(lag(3600 + input.threshold - 1, 3600), input),
    };
  },
};

const restartedDescription =
  "If nobody restarted it, it crashed and came back: look at the server's error log for the reason (InnoDB recovery messages, a signal) and at `journalctl -k` for the OOM killer.";

const restarted: AlertDefinition = {
  name: "MySQLRestarted",
  upstream: { source: "awesome-prometheus-alerts", name: "MysqlRestarted" },
  severity: "info",
  for: "0s",
  threshold: { default: 60, unit: "seconds", min: 10, max: 3600, reads: "uptime below" },
  expr: (t) => `mysql_global_status_uptime < ${t}`,
  summary: "MySQL at {{ $labels.instance }} restarted {{ $value | humanizeDuration }} ago",
  description: restartedDescription,
  tests: (input) => {
    const series = seriesOf("mysql_global_status_uptime");
    const uptime = Math.floor(input.threshold / 2);
    return {
      // Seen at the same uptime at every evaluation: it keeps restarting, so any `for` is met.
      fires: caseOf([steady(series, uptime, input)], input, {
        labels: SERVER,
        summary: `MySQL at web1 restarted ${humanizedDuration(uptime)} ago`,
        description: restartedDescription,
      }),
      quiet: caseOf([rising(series, input.threshold, 60, input)], input),
    };
  },
};

const collectorFailedDescription = (collector: string) =>
  `Alerts built on what it reads cannot fire while it fails (collect.slave_status: the replication alerts; collect.global_status and global_variables: connections, threads, open files). The exporter's log (\`journalctl -u prometheus-mysqld-exporter\`) names the error for ${collector}: usually a privilege its database user lacks (on MariaDB 10.5.9 and later SHOW SLAVE STATUS needs SLAVE MONITOR), or a table this server version does not have.`;

/**
 * mysqld_exporter 0.15 reports each collector's success; 0.14 (Debian 12) only counts errors
 * per collector, from the first one on.
 */
const collectorFailed: AlertDefinition = {
  name: "MySQLExporterCollectorFailed",
  severity: "warning",
  for: "10m",
  expr: () =>
    "mysql_exporter_collector_success == 0 or increase(mysql_exporter_scrape_errors_total[10m]) > 0",
  summary: "The MySQL exporter's {{ $labels.collector }} collector fails at {{ $labels.instance }}",
  description: collectorFailedDescription("{{ $labels.collector }}"),
  verify: { check: "mysql exporter collectors", nameLabel: "collector" },
  tests: (input) => {
    const collector = (name: string) => ({ ...SERVER, collector: name });
    const success = (name: string, value: number) =>
      steady(seriesOf("mysql_exporter_collector_success", collector(name)), value, input);
    const errors = (name: string) => seriesOf("mysql_exporter_scrape_errors_total", collector(name));
    return {
      // 0.15's form; 0.14's (errors counted at every scrape) is proven against the real exporter.
      fires: caseOf(
        [
          success("collect.global_status", 1),
          success("collect.slave_status", 0),
          steady(errors("collect.info_schema.innodb_cmp"), 1, input),
        ],
        input,
        {
          labels: collector("collect.slave_status"),
          summary: "The MySQL exporter's collect.slave_status collector fails at web1",
          description: collectorFailedDescription("collect.slave_status"),
        },
      ),
      // One error long ago, and every collector succeeding since.
      quiet: caseOf(
        [
          success("collect.global_status", 1),
          success("collect.slave_status", 1),
          steady(errors("collect.info_schema.innodb_cmp"), 1, input),
        ],
        input,
      ),
    };
  },
};

/** One server's usage of a limit, as a percentage: `used / limit`. */
interface ServerLimit {
  readonly name: string;
  readonly upstream: UpstreamAlert;
  readonly percent: number;
  readonly used: string;
  readonly limit: string;
  readonly testLimit: number;
  readonly reads: string;
  summary(used: string, instance: string): string;
  readonly description: string;
}

function nearLimit(limit: ServerLimit): AlertDefinition {
  return {
    name: limit.name,
    upstream: limit.upstream,
    severity: "warning",
    for: "5m",
    threshold: { default: limit.percent, unit: "percent", min: 1, max: 99, reads: limit.reads },
    // 100 first, so that a whole share of the test limit is exact.
    expr: (t) => `100 * max_over_time(${limit.used}[1m]) / ${limit.limit} > ${t}`,
    summary: limit.summary('{{ $value | printf "%.0f" }}', "{{ $labels.instance }}"),
    description: limit.description,
    tests: (input) => {
      const usage = (used: number): TestSeries[] => [
        steady(seriesOf(limit.used), used, input),
        steady(seriesOf(limit.limit), limit.testLimit, input),
      ];
      const percentOf = (percent: number) => Math.round((percent * limit.testLimit) / 100);
      const firing = Math.min(100, Math.floor(input.threshold) + 5);
      return {
        fires: caseOf(usage(percentOf(firing)), input, {
          labels: SERVER,
          summary: limit.summary(String(firing), "web1"),
          description: limit.description,
        }),
        quiet: caseOf(usage(Math.ceil((input.threshold * limit.testLimit) / 100) - 1), input),
      };
    },
  };
}

/**
 * Threads running (not sleeping connections) against max_connections: queries pile up, usually
 * behind a lock or a slow query, long before connections run out.
 */
const highThreadsRunning = nearLimit({
  name: "MySQLHighThreadsRunning",
  upstream: { source: "awesome-prometheus-alerts", name: "MysqlHighThreadsRunning" },
  percent: 60,
  used: "mysql_global_status_threads_running",
  limit: "mysql_global_variables_max_connections",
  testLimit: 1000,
  reads: "threads running above {value} of max_connections",
  summary: (used, instance) => `MySQL at ${instance} runs ${used}% of max_connections in parallel`,
  description:
    "That many queries running at once means they wait for each other: a lock (a long transaction, an ALTER), a slow query repeated by every request, or the disk. SHOW FULL PROCESSLIST shows what they run and what they wait for (State).",
});

const highOpenFiles = nearLimit({
  name: "MySQLTooManyOpenFiles",
  upstream: { source: "awesome-prometheus-alerts", name: "MysqlTooManyOpenFiles" },
  percent: 80,
  used: "mysql_global_status_open_files",
  limit: "mysql_global_variables_open_files_limit",
  testLimit: 20000,
  reads: "open files above {value} of open_files_limit",
  summary: (used, instance) => `MySQL at ${instance} has ${used}% of its open_files_limit open`,
  description:
    'At the limit it cannot open tables ("Too many open files", errno 24). Many tables and partitions with a large table_open_cache raise it; raise LimitNOFILE in the server\'s unit and open_files_limit, or lower table_open_cache.',
});

export const mysqlAlerts: readonly AlertDefinition[] = [
  mysqlDown,
  tooManyConnections,
  slowQueries,
  replicationStopped,
  replicationLag,
  restarted,
  highThreadsRunning,
  highOpenFiles,
  collectorFailed,
];

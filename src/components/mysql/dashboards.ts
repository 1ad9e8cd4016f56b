// The MySQL/MariaDB dashboard: up, uptime, connections against max_connections, queries and slow
// queries on top; then connections, queries, the InnoDB buffer pool, temporary objects and locks,
// traffic, and replication.
import type { DashboardSpec, StackContext } from "../component.js";
import { buildDashboard, type DashboardRow } from "../../dashboards/dashboard.js";
import { booleanMappings, statPanel, timeseriesPanel } from "../../dashboards/panels.js";
import {
  alertThreshold,
  highIsBad,
  lowIsBad,
  okWhenOne,
  type AlertThresholdRef,
} from "../../dashboards/thresholds.js";
import { instanceVariable } from "../../dashboards/variables.js";

const JOB = "mysql";
const SEL = `job="${JOB}", instance=~"$instance"`;

export const MYSQL_THRESHOLDS = {
  connectionsUsed: { alert: "MySQLTooManyConnections", unit: "percent", fallback: 80 },
  slowQueries: { alert: "MySQLSlowQueries", unit: "count", fallback: 10 },
  replicationLag: { alert: "MySQLReplicationLag", unit: "seconds", fallback: 30 },
  restartedUptime: { alert: "MySQLRestarted", unit: "seconds", fallback: 60 },
} as const satisfies Record<string, AlertThresholdRef>;

/** Slow queries per 5 minutes, the window the slow-query alert counts in. */
const SLOW_QUERIES_PER_5M = `300 * rate(mysql_global_status_slow_queries{${SEL}}[$__rate_interval])`;

/**
 * Grafana colours a value at or above a step; the slow-query alert fires strictly above its
 * threshold (0 by default), so the step sits just above it.
 */
const JUST_ABOVE = 1e-6;

const NO_REPLICATION = "this server replicates from no source (replication is not set up)";

export function mysqlDashboards<S>(_settings: S, stack: StackContext): readonly DashboardSpec[] {
  const t = (ref: AlertThresholdRef) => alertThreshold(stack.alerts, ref);
  const th = MYSQL_THRESHOLDS;

  const health: DashboardRow = {
    title: "Health",
    panels: [
      statPanel({
        title: "MySQL",
        description: "Whether the exporter can log in to the server (mysql_up).",
        unit: "none",
        queries: [{ expr: `mysql_up{${SEL}}`, legend: "{{instance}}" }],
        mappings: booleanMappings("UP", "DOWN"),
        thresholds: okWhenOne(),
      }),
      statPanel({
        title: "Uptime",
        description:
          "Time since the server started; orange right after a restart, as the restart alert reports it.",
        unit: "s",
        queries: [{ expr: `mysql_global_status_uptime{${SEL}}`, legend: "{{instance}}" }],
        thresholds: lowIsBad({ warning: t(th.restartedUptime) }),
        decimals: 0,
      }),
      statPanel({
        title: "Connections used",
        description:
          "Open connections as a share of max_connections; orange where the connections alert fires.",
        unit: "percent",
        queries: [
          {
            expr: `100 * mysql_global_status_threads_connected{${SEL}} / mysql_global_variables_max_connections{${SEL}}`,
            legend: "{{instance}}",
          },
        ],
        thresholds: highIsBad({ warning: t(th.connectionsUsed) }),
        min: 0,
        max: 100,
      }),
      statPanel({
        title: "Queries",
        description: "Statements executed per second, including those inside stored programs.",
        unit: "ops",
        queries: [
          {
            expr: `rate(mysql_global_status_queries{${SEL}}[$__rate_interval])`,
            legend: "{{instance}}",
          },
        ],
      }),
      statPanel({
        title: "Slow queries",
        description:
          "Queries slower than long_query_time, per 5 minutes (the slow-query alert's window); orange where it fires.",
        unit: "short",
        queries: [{ expr: SLOW_QUERIES_PER_5M, legend: "{{instance}}" }],
        thresholds: highIsBad({ warning: t(th.slowQueries) + JUST_ABOVE }),
        decimals: 1,
      }),
      statPanel({
        title: "Buffer pool filled",
        description: "Data held in the InnoDB buffer pool as a share of its size.",
        unit: "percent",
        queries: [
          {
            expr: `100 * mysql_global_status_innodb_buffer_pool_bytes_data{${SEL}} / mysql_global_variables_innodb_buffer_pool_size{${SEL}}`,
            legend: "{{instance}}",
          },
        ],
        min: 0,
        max: 100,
      }),
    ],
  };

  const connections: DashboardRow = {
    title: "Connections",
    panels: [
      timeseriesPanel({
        title: "Connections",
        description: "Open and running connections against max_connections and the most ever used at once.",
        unit: "none",
        queries: [
          { expr: `mysql_global_status_threads_connected{${SEL}}`, legend: "{{instance}} connected" },
          { expr: `mysql_global_status_threads_running{${SEL}}`, legend: "{{instance}} running" },
          { expr: `mysql_global_status_max_used_connections{${SEL}}`, legend: "{{instance}} most used" },
          { expr: `mysql_global_variables_max_connections{${SEL}}`, legend: "{{instance}} max_connections" },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Aborted connections",
        description:
          "Failed connection attempts (wrong password, no privileges) and clients that vanished without closing.",
        unit: "ops",
        queries: [
          {
            expr: `rate(mysql_global_status_aborted_connects{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} failed to connect",
          },
          {
            expr: `rate(mysql_global_status_aborted_clients{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} aborted clients",
          },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Network traffic",
        description: "Bytes received from and sent to clients per second.",
        unit: "Bps",
        queries: [
          {
            expr: `rate(mysql_global_status_bytes_received{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} received",
          },
          {
            expr: `rate(mysql_global_status_bytes_sent{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} sent",
          },
        ],
        min: 0,
      }),
    ],
  };

  const queries: DashboardRow = {
    title: "Queries",
    panels: [
      timeseriesPanel({
        title: "Commands",
        description: "The ten most frequent statement types, per second.",
        unit: "ops",
        queries: [
          {
            expr: `topk(10, rate(mysql_global_status_commands_total{${SEL}}[$__rate_interval]))`,
            legend: "{{instance}} {{command}}",
          },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Slow queries",
        description:
          "Queries slower than long_query_time, per 5 minutes; the dashed line is the slow-query alert's threshold.",
        unit: "short",
        queries: [{ expr: SLOW_QUERIES_PER_5M, legend: "{{instance}}" }],
        thresholds: highIsBad({ warning: t(th.slowQueries) + JUST_ABOVE }),
        min: 0,
      }),
      timeseriesPanel({
        title: "Temporary objects and sorts",
        description:
          "Temporary tables (those on disk are slow), temporary files and sort merge passes per second: signs of queries that need an index or more memory.",
        unit: "ops",
        queries: [
          {
            expr: `rate(mysql_global_status_created_tmp_tables{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} tmp tables",
          },
          {
            expr: `rate(mysql_global_status_created_tmp_disk_tables{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} tmp tables on disk",
          },
          {
            expr: `rate(mysql_global_status_created_tmp_files{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} tmp files",
          },
          {
            expr: `rate(mysql_global_status_sort_merge_passes{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} sort merge passes",
          },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Lock waits",
        description: "Table locks and InnoDB row locks that had to wait, per second.",
        unit: "ops",
        queries: [
          {
            expr: `rate(mysql_global_status_table_locks_waited{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} table locks",
          },
          {
            expr: `rate(mysql_global_status_innodb_row_lock_waits{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} row locks",
          },
        ],
        min: 0,
      }),
    ],
  };

  const innodb: DashboardRow = {
    title: "InnoDB buffer pool",
    panels: [
      timeseriesPanel({
        title: "Buffer pool",
        description: "The pool's size, the data it holds and the part of it not yet written to disk.",
        unit: "bytes",
        queries: [
          { expr: `mysql_global_variables_innodb_buffer_pool_size{${SEL}}`, legend: "{{instance}} size" },
          { expr: `mysql_global_status_innodb_buffer_pool_bytes_data{${SEL}}`, legend: "{{instance}} data" },
          {
            expr: `mysql_global_status_innodb_buffer_pool_bytes_dirty{${SEL}}`,
            legend: "{{instance}} dirty",
          },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: "Buffer pool reads",
        description:
          "Page reads served from memory and those that had to go to disk; many disk reads mean the pool is too small.",
        unit: "ops",
        queries: [
          {
            expr: `rate(mysql_global_status_innodb_buffer_pool_read_requests{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} from memory",
          },
          {
            expr: `rate(mysql_global_status_innodb_buffer_pool_reads{${SEL}}[$__rate_interval])`,
            legend: "{{instance}} from disk",
          },
        ],
        min: 0,
      }),
    ],
  };

  const replication: DashboardRow = {
    title: "Replication",
    panels: [
      statPanel({
        title: "Replication threads",
        description: "Whether the replica's I/O and SQL threads both run.",
        unit: "none",
        queries: [
          {
            expr: `min by (instance) (mysql_slave_status_slave_io_running{${SEL}} * mysql_slave_status_slave_sql_running{${SEL}})`,
            legend: "{{instance}}",
          },
        ],
        mappings: booleanMappings("RUNNING", "STOPPED"),
        thresholds: okWhenOne(),
        span: 6,
        height: 8,
        emptyWhen: NO_REPLICATION,
      }),
      timeseriesPanel({
        title: "Replication lag",
        description:
          "How far the replica is behind its source; the dashed line is the lag alert's threshold.",
        unit: "s",
        queries: [
          {
            expr: `mysql_slave_status_seconds_behind_master{${SEL}}`,
            legend: "{{instance}} {{master_host}}",
          },
        ],
        thresholds: highIsBad({ warning: t(th.replicationLag) }),
        min: 0,
        span: 18,
        emptyWhen: NO_REPLICATION,
      }),
    ],
  };

  return [
    buildDashboard({
      uid: "stackmon-mysql",
      title: "MySQL / MariaDB",
      description:
        "The database server: availability, connections, queries and slow queries, the InnoDB buffer pool, locks and replication.",
      tags: ["mysql"],
      variables: [instanceVariable(JOB)],
      rows: [health, connections, queries, innodb, replication],
      // When the exporter itself is down mysql_up is gone: its target's `up` says so.
      health: `min(mysql_up{job="${JOB}"}) or min(up{job="${JOB}"})`,
    }),
  ];
}

// The mysqld exporter for MySQL/MariaDB. Credentials live in a my.cnf readable by its user only.
import { z } from "zod";
import {
  endpointSettings,
  refineExposure,
  formatListen,
  secretReference,
  secretRefFrom,
  isLoopback,
} from "../../config/schemaParts.js";
import type { FileContent, ProvisioningStep } from "../../render/desiredState.js";
import { mysqlAlerts } from "./alerts.js";
import { defineComponent } from "../component.js";
import { GO_PROCESS_METRICS, hardening } from "../shared/hardening.js";
import { upstreamBinary } from "../shared/upstreamBinary.js";
import { listenClaim, listenOf, localScrapeJob, webConfigFiles } from "../shared/endpoint.js";

const CONFIG_PATH = ["exporters", "mysql"] as const;
const CONFIG_DIR = "/etc/stackmon/mysqld-exporter";

const settingsSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    ...endpointSettings(9104),
    /** Where the database listens; a unix socket is preferred when given. */
    host: z.string().min(1).default("127.0.0.1"),
    port: z.number().int().min(1).max(65535).default(3306),
    socket: z.string().startsWith("/").optional(),
    /** The exporter's own database user: PROCESS, REPLICATION CLIENT, SELECT only. */
    user: z.string().min(1).default("stackmon_exporter"),
    password_file: secretReference.file,
    password_env: secretReference.env,
    /**
     * apply creates (and keeps) that user on the local server: PROCESS, REPLICATION CLIENT and
     * SELECT, at most 3 connections. It connects as root over the socket (or root's ~/.my.cnf).
     */
    create_user: z.boolean().default(false),
  })
  .superRefine((s, ctx) => {
    refineExposure(s, ctx);
    if (s.create_user && !/^[A-Za-z0-9_.$-]{1,32}$/.test(s.user)) {
      ctx.addIssue({
        code: "custom",
        path: ["user"],
        message: "with create_user, use letters, digits and _ . $ - (at most 32)",
      });
    }
    if (s.create_user && s.socket === undefined && !isLoopback(s.host)) {
      ctx.addIssue({
        code: "custom",
        path: ["create_user"],
        message: "create_user works on a server on this host: give its socket or a loopback host",
      });
    }
    if (s.enabled && (s.password_file === undefined) === (s.password_env === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["password_file"],
        message: "set exactly one of password_file and password_env for the exporter's database user",
      });
    }
  })
  .prefault({});
type MysqlSettings = z.infer<typeof settingsSchema>;

export const mysqldExporterBinary = upstreamBinary({
  debianName: "prometheus-mysqld-exporter",
  upstreamName: "mysqld_exporter",
  dnfPackage: "golang-github-prometheus-mysqld-exporter",
  minVersion: "0.14.0",
  releaseVersion: "0.15.1",
});

/** The exporter's accounts: over the socket (localhost) and over TCP to 127.0.0.1. */
const ACCOUNT_HOSTS = ["localhost", "127.0.0.1"] as const;

/**
 * The exporter's least-privilege user, created or corrected as root over the local socket.
 * Its check logs in with the exporter's own my.cnf, so it also proves the password.
 */
function exporterUserStep(settings: MysqlSettings, cnfPath: string): ProvisioningStep {
  const secret = secretRefFrom(settings.password_file, settings.password_env, [...CONFIG_PATH, "password"]);
  if (!secret) throw new Error("mysql password reference missing after validation");
  const input: ProvisioningStep["run"]["input"][number][] = [
    "SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '');\n",
  ];
  for (const host of ACCOUNT_HOSTS) {
    const account = `'${settings.user}'@'${host}'`;
    input.push(
      `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY `,
      { secret, quote: "sql-string" },
      ` WITH MAX_USER_CONNECTIONS 3;\nALTER USER ${account} IDENTIFIED BY `,
      { secret, quote: "sql-string" },
      ` WITH MAX_USER_CONNECTIONS 3;\nREVOKE ALL PRIVILEGES, GRANT OPTION FROM ${account};\n` +
        // MariaDB 10.5.9 moved SHOW SLAVE STATUS from REPLICATION CLIENT to SLAVE MONITOR; the
        // executable comment adds it there only (MySQL skips it), keeping the exporter's view.
        `GRANT PROCESS, REPLICATION CLIENT, SELECT /*M!100509 , SLAVE MONITOR */ ON *.* TO ${account};\n`,
    );
  }
  // MariaDB shows REPLICATION CLIENT as BINLOG MONITOR; anything beyond the three is too much.
  const expect =
    "^(?![\\s\\S]*ALL PRIVILEGES)(?=[\\s\\S]*\\bPROCESS\\b)(?=[\\s\\S]*\\b(?:REPLICATION CLIENT|BINLOG MONITOR)\\b)" +
    "(?=[\\s\\S]*\\bSELECT\\b)(?=[\\s\\S]*MAX_USER_CONNECTIONS 3\\b)";
  return {
    id: "mysql-exporter-user",
    description: `MySQL user ${settings.user} for the exporter (PROCESS, REPLICATION CLIENT, SELECT; 3 connections)`,
    inputs: [cnfPath],
    check: {
      program: "mysql",
      args: [
        `--defaults-file=${cnfPath}`,
        "--batch",
        "--skip-column-names",
        "--execute=SHOW GRANTS; SHOW CREATE USER CURRENT_USER()",
      ],
      expect,
    },
    run: {
      program: "mysql",
      args: [
        "--protocol=socket",
        ...(settings.socket ? [`--socket=${settings.socket}`] : []),
        "--user=root",
        "--batch",
      ],
      input,
    },
  };
}

/** The [client] section mysqld_exporter reads with --config.my-cnf (0.14 and later). */
function myCnf(settings: MysqlSettings): FileContent {
  const secret = secretRefFrom(settings.password_file, settings.password_env, [...CONFIG_PATH, "password"]);
  if (!secret) throw new Error("mysql password reference missing after validation");
  const where = settings.socket
    ? `socket=${settings.socket}\n`
    : `host=${settings.host}\nport=${settings.port}\n`;
  return {
    template: [
      `# Rendered by stackmon: credentials of the exporter's database user.\n[client]\nuser=${settings.user}\npassword=`,
      { secret, as: "raw" },
      `\n${where}`,
    ],
  };
}

export const mysql = defineComponent({
  id: "mysql",
  title: "MySQL/MariaDB exporter",
  configPath: CONFIG_PATH,
  schema: settingsSchema,
  example: `enabled: true
socket: /run/mysqld/mysqld.sock   # or host and port
user: stackmon_exporter
password_file: /etc/stackmon/secrets/mysql-exporter.password
create_user: true             # apply creates this least-privilege database user
`,
  alerts: mysqlAlerts,
  dashboards: {
    uids: ["stackmon-mysql"],
    load: async () => (await import("./dashboards.js")).mysqlDashboards,
    thresholds: async () => (await import("./dashboards.js")).MYSQL_THRESHOLDS,
  },
  contribute: (settings, global) => ({
    scrapeJobs: [localScrapeJob("mysql", "mysql", settings, CONFIG_PATH, global.hostname ?? "localhost")],
    endpoints: [],
    listens: [listenClaim(settings, CONFIG_PATH)],
  }),
  render: (settings, stack) => {
    const cnfPath = `${CONFIG_DIR}/my.cnf`;
    const web = webConfigFiles("mysql", "mysqld-exporter", settings.web, CONFIG_DIR, CONFIG_PATH, stack);
    return {
      files: [
        {
          path: cnfPath,
          content: myCnf(settings),
          mode: 0o640,
          owner: "root",
          group: "mysqld-exporter",
          consumers: [{ service: "mysql", onChange: "restart" }],
        },
        ...web.files,
      ],
      directories: [{ path: CONFIG_DIR, mode: 0o750, owner: "root", group: "mysqld-exporter" }],
      users: [{ name: "mysqld-exporter", group: "mysqld-exporter", supplementaryGroups: [], create: true }],
      packages: [{ binary: mysqldExporterBinary }],
      service: {
        id: "mysql",
        unit: "prometheus-mysqld-exporter.service",
        description: "Prometheus MySQL/MariaDB exporter (stackmon)",
        user: "mysqld-exporter",
        group: "mysqld-exporter",
        binary: mysqldExporterBinary,
        args: [
          `--config.my-cnf=${stack.path(cnfPath)}`,
          `--web.listen-address=${formatListen(listenOf(settings))}`,
          ...web.args,
        ],
        environment: {},
        listen: listenOf(settings),
        readinessPath: "/metrics",
        scheme: settings.web.tls ? "https" : "http",
        reload: { kind: "restart" },
        hardening: hardening(GO_PROCESS_METRICS),
        after: ["mariadb.service", "mysql.service"],
        ...(settings.create_user ? { provisioning: [exporterUserStep(settings, stack.path(cnfPath))] } : {}),
      },
    };
  },
});

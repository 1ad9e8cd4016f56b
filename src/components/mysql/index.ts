// The mysqld exporter for MySQL/MariaDB. Credentials live in a my.cnf readable by its user only.
import { z } from "zod";
import {
  endpointSettings,
  refineExposure,
  formatListen,
  secretReference,
  secretRefFrom,
} from "../../config/schemaParts.js";
import type { FileContent } from "../../render/desiredState.js";
import { defineComponent } from "../component.js";
import { hardening } from "../shared/hardening.js";
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
  })
  .superRefine((s, ctx) => {
    refineExposure(s, ctx);
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
  contribute: (settings, global) => ({
    scrapeJobs: [localScrapeJob("mysql", "mysql", settings, global.hostname ?? "localhost")],
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
        hardening: hardening(),
        after: ["mariadb.service", "mysql.service"],
      },
    };
  },
});

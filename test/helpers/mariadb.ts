// A throwaway MariaDB for tests: own datadir, port and socket, a least-privilege exporter user.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./ports.js";
import { tempDir } from "./stackmon.js";

export interface TestMariaDb {
  readonly port: number;
  readonly socket: string;
  readonly exporterUser: string;
  /** A file holding the exporter user's password, for password_file. */
  readonly exporterPasswordFile: string;
  sql(statement: string): string;
  stop(): Promise<void>;
}

const MARIADBD = "/usr/sbin/mariadbd";

export async function startMariaDb(): Promise<TestMariaDb> {
  const dir = tempDir("stackmon-mariadb-");
  const datadir = join(dir, "data");
  const socket = join(dir, "mysqld.sock");
  mkdirSync(datadir);
  const port = await freePort();
  const user = process.getuid?.() === 0 ? ["--user=root"] : [];
  const install = spawnSync(
    "mariadb-install-db",
    [
      "--no-defaults",
      `--datadir=${datadir}`,
      "--auth-root-authentication-method=socket",
      "--skip-test-db",
      ...user,
    ],
    { encoding: "utf8" },
  );
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr}`);
  const server: ChildProcess = spawn(
    MARIADBD,
    [
      "--no-defaults",
      `--datadir=${datadir}`,
      `--socket=${socket}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      `--pid-file=${join(dir, "mysqld.pid")}`,
      "--skip-log-bin",
      "--innodb-buffer-pool-size=16M",
      ...user,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  server.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));

  const sql = (statement: string): string => {
    const result = spawnSync(
      "mariadb",
      ["--no-defaults", `--socket=${socket}`, "-u", "root", "-N", "-e", statement],
      {
        encoding: "utf8",
      },
    );
    if (result.status !== 0) throw new Error(`SQL failed (${statement}): ${result.stderr}`);
    return result.stdout.trim();
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      sql("SELECT 1");
      break;
    } catch (error) {
      if (Date.now() > deadline || server.exitCode !== null) {
        server.kill("SIGKILL");
        throw new Error(`MariaDB did not start: ${(error as Error).message}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  const exporterUser = "stackmon_exporter";
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  sql(
    `CREATE USER '${exporterUser}'@'127.0.0.1' IDENTIFIED BY '${password}' WITH MAX_USER_CONNECTIONS 3; ` +
      `CREATE USER '${exporterUser}'@'localhost' IDENTIFIED BY '${password}' WITH MAX_USER_CONNECTIONS 3; ` +
      `GRANT PROCESS, REPLICATION CLIENT, SELECT ON *.* TO '${exporterUser}'@'127.0.0.1'; ` +
      `GRANT PROCESS, REPLICATION CLIENT, SELECT ON *.* TO '${exporterUser}'@'localhost';`,
  );
  const exporterPasswordFile = join(dir, "exporter.password");
  writeFileSync(exporterPasswordFile, `${password}\n`, { mode: 0o600 });

  return {
    port,
    socket,
    exporterUser,
    exporterPasswordFile,
    sql,
    stop: async () => {
      if (server.exitCode === null) {
        const exited = new Promise((r) => server.once("exit", r));
        server.kill("SIGTERM");
        const timer = setTimeout(() => server.kill("SIGKILL"), 20_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

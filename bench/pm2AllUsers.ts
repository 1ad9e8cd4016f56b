// bench/pm2AllUsers: the alternative bench/pm2Users measures and stackmon does not ship: ONE
// exporter process for several PM2 daemons, built from the exporter's own pieces (a collector
// per daemon, their expositions merged with a pm2_user label). Usage: node pm2AllUsers.js PORT
// USER=PM2_HOME...
import { startExporterServer } from "../src/lib/web/exporterServer.js";
import { createLogger } from "../src/lib/log.js";
import { Pm2Collector, type CollectorStatus } from "../src/exporters/pm2/collector.js";
import { EXPOSITION_CONTENT_TYPE } from "../src/exporters/pm2/exposition.js";
import { renderPm2Metrics } from "../src/exporters/pm2/metrics.js";
import { Pm2RpcClient } from "../src/exporters/pm2/pm2Client.js";
import { Pm2HomeProbe } from "../src/exporters/pm2/procStat.js";

const [port, ...daemons] = process.argv.slice(2);
const logger = createLogger("warn");
const collectors = daemons.map((spec) => {
  const [user = "", home = ""] = spec.split("=");
  const collector = new Pm2Collector(new Pm2RpcClient(home), {
    minAgeMs: 9000,
    listMaxAgeMs: 60_000,
    probe: new Pm2HomeProbe(home),
    timeoutMs: 3000,
    staleLimitMs: 300_000,
    ioMetricsLimit: 50,
    logger,
  });
  return { user, collector };
});

/** Each daemon's exposition with pm2_user on every sample, merged family by family. */
function merged(statuses: readonly CollectorStatus[]): string {
  const families = new Map<string, string[]>();
  statuses.forEach((status, i) => {
    const label = `pm2_user="${collectors[i]?.user ?? ""}"`;
    let family = "";
    for (const line of renderPm2Metrics(status).split("\n")) {
      if (line === "") continue;
      if (line.startsWith("# HELP ")) {
        family = line.split(" ")[2] ?? "";
        if (!families.has(family)) families.set(family, [line]);
        continue;
      }
      if (line.startsWith("# TYPE ")) {
        if (families.get(family)?.length === 1) families.get(family)?.push(line);
        continue;
      }
      const brace = line.indexOf("{");
      const space = line.indexOf(" ");
      const sample =
        brace >= 0 && brace < space
          ? `${line.slice(0, brace + 1)}${label},${line.slice(brace + 1)}`
          : `${line.slice(0, space)}{${label}}${line.slice(space)}`;
      families.get(family)?.push(sample);
    }
  });
  return [...families.values()].map((lines) => `${lines.join("\n")}\n`).join("");
}

let cached: { versions: string; body: string } | undefined;
await startExporterServer({
  name: "one exporter for every PM2 daemon (bench only)",
  description: "",
  version: "bench",
  listenAddress: `127.0.0.1:${port}`,
  telemetryPath: "/metrics",
  metrics: async () => {
    const statuses = await Promise.all(collectors.map(({ collector }) => collector.current()));
    const versions = statuses.map((s) => s.version).join(",");
    if (cached?.versions !== versions) cached = { versions, body: merged(statuses) };
    return { contentType: EXPOSITION_CONTENT_TYPE, body: cached.body };
  },
  logger,
});
process.on("SIGTERM", () => process.exit(0));

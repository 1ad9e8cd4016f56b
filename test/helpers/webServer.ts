// The shared exporter web layer on a free loopback port with a fixed exposition, for tests of the
// web layer itself; callers override what they test.
import { createLogger } from "../../src/lib/log.js";
import {
  startExporterServer,
  type ExporterServer,
  type ExporterServerOptions,
} from "../../src/lib/web/exporterServer.js";

export function startTestWebServer(overrides: Partial<ExporterServerOptions> = {}): Promise<ExporterServer> {
  return startExporterServer({
    name: "test exporter",
    description: "a test",
    version: "1.0.0",
    listenAddress: "127.0.0.1:0",
    telemetryPath: "/metrics",
    metrics: () =>
      Promise.resolve({ contentType: "text/plain; version=0.0.4; charset=utf-8", body: "up 1\n" }),
    logger: createLogger("error", () => undefined),
    ...overrides,
  });
}

// A stand-in for Grafana's Alertmanager-compatible API, for tests of silences when Grafana is the
// engine. Grafana runs Alertmanager's own silence and alert code for its org; this stand-in
// forwards to a real Alertmanager and answers as Grafana's handlers do (grafana/grafana):
//   pkg/services/ngalert/api/generated_base_api_alertmanager.go  the paths under
//       /api/alertmanager/grafana/api/v2: POST and GET silences, DELETE silence/{SilenceId},
//       GET alerts (with its filter)
//   pkg/services/ngalert/api/api_alertmanager_silences.go  RouteCreateSilence answers 202 with
//       {silenceID}; RouteDeleteSilence answers 200 {"message":"silence deleted"}, and 404 when
//       the silence is not found (Alertmanager 0.25 itself answers 500 there)
//   basic auth as a Grafana user; a request without valid credentials gets 401.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

const PREFIX = "/api/alertmanager/grafana/api/v2";

export interface GrafanaAlertmanagerStandIn {
  readonly url: string;
  /** Every request: method and path (with query). */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startGrafanaAlertmanager(options: {
  /** The real Alertmanager behind it. */
  readonly alertmanagerUrl: string;
  readonly user: string;
  readonly password: string;
}): Promise<GrafanaAlertmanagerStandIn> {
  const requests: string[] = [];
  const expected = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString("base64")}`;
  const server: Server = createServer((request, response) => {
    void (async () => {
      requests.push(`${request.method ?? ""} ${request.url ?? ""}`);
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
      };
      if (request.headers.authorization !== expected) return reply(401, { message: "Unauthorized" });
      const url = request.url ?? "";
      if (!url.startsWith(`${PREFIX}/`)) return reply(404, { message: "Not found" });
      const path = url.slice(PREFIX.length);
      const body = await readBody(request);
      const upstream = await fetch(`${options.alertmanagerUrl}/api/v2${path}`, {
        method: request.method ?? "GET",
        headers: { "content-type": "application/json" },
        ...(body ? { body } : {}),
      });
      const text = await upstream.text();
      if (request.method === "POST" && path === "/silences") {
        return upstream.ok ? reply(202, JSON.parse(text) as unknown) : reply(400, { message: text });
      }
      if (request.method === "DELETE" && path.startsWith("/silence/")) {
        if (upstream.ok) return reply(200, { message: "silence deleted" });
        return /not found/i.test(text) ? reply(404, { message: text }) : reply(500, { message: text });
      }
      response.writeHead(upstream.status, { "content-type": "application/json" });
      response.end(text);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => resolve(body));
  });
}

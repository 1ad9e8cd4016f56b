// One HTTP(S) GET to a stack endpoint, for readiness and protection checks: this machine's
// `HostHttp`. Certificates are not checked: these are the host's own endpoints on loopback,
// often with a self-signed certificate.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { HostHttp, HttpAnswer } from "../host/host.js";

export type ProbeResponse = HttpAnswer;

/** The response, or undefined when nothing answered (refused, timed out, TLS failed). */
export const httpGet: HostHttp = (url, options = {}) =>
  new Promise((resolve) => {
    const target = new URL(url);
    const request = (target.protocol === "https:" ? httpsRequest : httpRequest)(
      target,
      { method: options.method ?? "GET", rejectUnauthorized: false, headers: options.headers ?? {} },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          if (body.length < 1_000_000) body += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
        response.on("error", () => resolve(undefined));
      },
    );
    request.setTimeout(options.timeoutMs ?? 3000, () => request.destroy());
    request.on("error", () => resolve(undefined));
    request.end(options.body);
  });

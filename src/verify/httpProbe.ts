// One HTTP(S) GET to a stack endpoint, for readiness and protection checks: this machine's
// `HostHttp`. Certificates are not checked: these are the host's own endpoints on loopback,
// often with a self-signed certificate.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { HostHttp, HttpAnswer } from "../host/host.js";

export type ProbeResponse = HttpAnswer;

/**
 * Where a request to host:port goes instead of a TCP connection from this machine: a Unix
 * socket that leads there (a remote host's endpoints, through its SSH connection).
 */
export type SocketTo = (host: string, port: number) => Promise<string>;

/**
 * A `HostHttp`: the response, or undefined when nothing answered (refused, timed out, TLS
 * failed). A way there that cannot be opened at all (`socketTo` fails) is an error, not silence.
 */
export function hostHttp(socketTo?: SocketTo): HostHttp {
  return async (url, options = {}) => {
    const target = new URL(url);
    const https = target.protocol === "https:";
    const socketPath = socketTo
      ? await socketTo(target.hostname.replace(/^\[|\]$/g, ""), Number(target.port) || (https ? 443 : 80))
      : undefined;
    return new Promise((resolve) => {
      const request = (https ? httpsRequest : httpRequest)(
        target,
        {
          method: options.method ?? "GET",
          rejectUnauthorized: false,
          headers: options.headers ?? {},
          ...(socketPath ? { socketPath } : {}),
        },
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
  };
}

/** This machine's HostHttp. */
export const httpGet: HostHttp = hostHttp();

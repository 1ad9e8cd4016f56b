// "host:port" listen addresses. Apart from the config schema, so that the exporters, which parse
// their own flags with it, do not load zod (a tenth of an idle exporter's memory) to do so.
import type { Listen } from "../render/desiredState.js";

const LISTEN = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/;

/** "host:port" → Listen, or undefined when malformed. */
export function parseListen(address: string, options: { allowAnyPort?: boolean } = {}): Listen | undefined {
  const match = LISTEN.exec(address);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < (options.allowAnyPort ? 0 : 1) || port > 65535) return undefined;
  return { host: match[1] ?? match[2] ?? "", port };
}

export function formatListen(listen: Listen): string {
  return listen.host.includes(":") ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`;
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

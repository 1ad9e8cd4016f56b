// The dead man's switch outside the host: Alertmanager posts the always-firing Watchdog to a
// healthchecks-style ping URL every few minutes, and that service, on another machine, tells
// someone when the pings stop: the host, Prometheus or Alertmanager is dead, or alerts cannot
// reach Mattermost (the Watchdog is then held back on purpose).
import { z } from "zod";
import { duration, secretReference, secretRefFrom } from "../config/schemaParts.js";
import type { SecretRef } from "../render/desiredState.js";

export const heartbeatSchema = z
  .strictObject({
    /** The ping URL is a secret: whoever has it can keep the check green. */
    url_file: secretReference.file,
    url_env: secretReference.env,
    /** How often it is pinged; the check's period there should be this plus a grace. */
    interval: duration().default("5m"),
  })
  .superRefine((heartbeat, ctx) => {
    if ((heartbeat.url_file === undefined) === (heartbeat.url_env === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["url_file"],
        message: "set exactly one of url_file and url_env",
      });
    }
  });

export type HeartbeatSettings = z.infer<typeof heartbeatSchema>;

/** Where the ping URL comes from; validation guarantees there is one. */
export function heartbeatUrl(heartbeat: HeartbeatSettings): SecretRef {
  const secret = secretRefFrom(heartbeat.url_file, heartbeat.url_env, ["alerting", "heartbeat", "url"]);
  if (!secret) throw new Error("heartbeat URL reference missing after validation");
  return secret;
}

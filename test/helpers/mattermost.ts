// A Mattermost stand-in for tests that implements the incoming-webhook contract
// (../shared/reference/mattermost.md) and records every request: JSON or `payload=` form bodies,
// `text` or `attachments` required, 200 "ok" as text/plain, JSON errors, long text split into posts.
// It can be told to fail for a while, as a real server sometimes does.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

const MAX_TEXT = 16_383;

export interface Attachment {
  readonly fallback?: string;
  readonly color?: string;
  readonly pretext?: string;
  readonly title?: string;
  readonly title_link?: string;
  readonly text?: string;
  readonly footer?: string;
  readonly fields?: readonly { title: string; value: string; short?: boolean }[];
}

export interface WebhookPayload {
  readonly text?: string;
  readonly channel?: string;
  readonly username?: string;
  readonly icon_url?: string;
  readonly attachments?: readonly Attachment[];
  readonly props?: Record<string, unknown>;
  readonly priority?: Record<string, unknown>;
}

/** A post as it would appear in a channel. */
export interface Post {
  readonly hook: string;
  /** The override channel, or the hook's own. */
  readonly channel: string;
  readonly username?: string;
  readonly text: string;
  readonly attachments: readonly Attachment[];
  /** Everything a reader sees, joined: text, pretext, title, attachment text. */
  readonly visible: string;
}

/** Every request, accepted or not, with the status it got. */
export interface Attempt {
  readonly hook: string;
  readonly status: number;
  /** The first attachment's title, or the text's first line: which message it was. */
  readonly title: string;
}

export interface TestMattermost {
  readonly url: string;
  /** The URL of an incoming webhook this server knows (a secret in real life). */
  hookUrl(id?: string): string;
  readonly posts: Post[];
  readonly attempts: Attempt[];
  /** Answer every request with `status` until `recover()`. */
  failWith(status: number): void;
  recover(): void;
  /** Resolves with the first post matching `predicate`, or rejects after `timeoutMs`. */
  waitForPost(predicate: (post: Post) => boolean, timeoutMs?: number): Promise<Post>;
  close(): Promise<void>;
}

const DEFAULT_HOOK = "stackmon0test0hook0id00000";

export async function startMattermost(
  options: { hooks?: readonly string[]; hookChannel?: string; channels?: readonly string[] } = {},
): Promise<TestMattermost> {
  const hooks = new Set(options.hooks ?? [DEFAULT_HOOK]);
  const hookChannel = options.hookChannel ?? "town-square";
  const channels = new Set([hookChannel, ...(options.channels ?? [])]);
  const posts: Post[] = [];
  const attempts: Attempt[] = [];
  const waiters = new Set<() => void>();
  let failing: number | undefined;

  const server: Server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const hook = /^\/hooks\/([a-z0-9]+)$/.exec(request.url ?? "")?.[1] ?? "";
      const answer = (status: number, id: string, message: string) => {
        attempts.push({ hook, status, title: titleOf(body) });
        if (status === 200) {
          response.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
        } else {
          response
            .writeHead(status, { "Content-Type": "application/json" })
            .end(JSON.stringify({ id, message, status_code: status }));
        }
      };
      if (request.method !== "POST") return answer(405, "api.context.405", "Method not allowed");
      if (failing !== undefined) return answer(failing, "test.failing", "failing on purpose");
      if (!hooks.has(hook)) return answer(400, "web.incoming_webhook.invalid.app_error", "Invalid webhook");
      const payload = parsePayload(request.headers["content-type"] ?? "", body);
      if (!payload)
        return answer(400, "web.incoming_webhook.parse.app_error", "Unable to parse incoming data");
      const attachments = payload.attachments ?? [];
      if ((payload.text ?? "") === "" && attachments.length === 0) {
        return answer(400, "web.incoming_webhook.text.app_error", "No text specified");
      }
      const channel = payload.channel ?? hookChannel;
      if (!channels.has(channel))
        return answer(404, "web.incoming_webhook.channel.app_error", "Couldn't find the channel");
      for (const text of splitText(payload.text ?? "")) {
        posts.push({
          hook,
          channel,
          ...(payload.username ? { username: payload.username } : {}),
          text,
          attachments,
          visible: [text, ...attachments.flatMap((a) => [a.pretext, a.title, a.text])]
            .filter(Boolean)
            .join("\n"),
        });
      }
      answer(200, "", "");
      for (const waiter of waiters) waiter();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    hookUrl: (id = DEFAULT_HOOK) => `${url}/hooks/${id}`,
    posts,
    attempts,
    failWith: (status) => {
      failing = status;
    },
    recover: () => {
      failing = undefined;
    },
    waitForPost: (predicate, timeoutMs = 120_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = posts.find(predicate);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          const seen = posts.map((p) => `#${p.channel}: ${p.visible}`).join("\n---\n");
          reject(new Error(`no matching post within ${timeoutMs / 1000}s; posts so far:\n${seen}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

/** JSON, or a form with `payload=<json>`, as Mattermost accepts; undefined when neither parses. */
function parsePayload(contentType: string, body: string): WebhookPayload | undefined {
  const json = contentType.includes("application/x-www-form-urlencoded")
    ? new URLSearchParams(body).get("payload")
    : body;
  if (json === null) return undefined;
  try {
    const parsed: unknown = JSON.parse(json);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function titleOf(body: string): string {
  try {
    const payload = JSON.parse(body) as WebhookPayload;
    return payload.attachments?.[0]?.title ?? payload.text?.split("\n")[0] ?? "";
  } catch {
    return "";
  }
}

/** Mattermost splits text over its limit into several posts; an empty text is one post. */
function splitText(text: string): string[] {
  if (text.length <= MAX_TEXT) return [text];
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += MAX_TEXT) parts.push(text.slice(i, i + MAX_TEXT));
  return parts;
}

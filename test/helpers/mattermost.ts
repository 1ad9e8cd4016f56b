// A Mattermost stand-in for tests: an incoming webhook as Mattermost's server implements it, and
// a record of every post it would create and of who that post would notify. Each behaviour
// follows an upstream file (mattermost/mattermost, named where it is modelled):
//   server/channels/web/handlers.go   body limit MaximumPayloadSizeBytes + 512, 413 for a body
//                                     past it, errors as JSON AppErrors
//   server/channels/web/webhook.go    POST /hooks/{id}, form, multipart or JSON bodies
//   server/channels/app/webhook.go    HandleIncomingWebhook: disabled (501), no text (400),
//                                     unknown hook (400), channel forms (#name, @user, empty =
//                                     the hook's own), unknown channel (404), locked hook (403),
//                                     private channel (403), overrides, CreateWebhookPost and
//                                     SplitWebhookPost; CreatePost failing (archived channel) 500
//   server/channels/app/notification.go  who is notified (./mattermost/mentions.ts)
//   server/public/model/config.go     defaults: overrides off, 300,000 bytes, 1,000 members
// The parts live in ./mattermost/.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AppError, wrapsBodyTooLarge } from "./mattermost/appError.js";
import { linksIn } from "./mattermost/links.js";
import { mentionFields, notifiedBy, type ChannelMember, type Notified } from "./mattermost/mentions.js";
import {
  processAttachments,
  processSlackText,
  webhookPosts,
  type StoredPost,
} from "./mattermost/webhookPost.js";
import {
  decodeMultipart,
  decodeWebhookRequest,
  type IncomingWebhookRequest,
  type SlackAttachment,
} from "./mattermost/webhookRequest.js";

export type { SlackAttachment as Attachment } from "./mattermost/webhookRequest.js";
export type { Notified } from "./mattermost/mentions.js";

/** The ServiceSettings and TeamSettings an incoming webhook depends on, with their defaults. */
export interface ServerSettings {
  readonly enableIncomingWebhooks: boolean;
  readonly enablePostUsernameOverride: boolean;
  readonly enablePostIconOverride: boolean;
  readonly maximumPayloadSizeBytes: number;
  readonly maxNotificationsPerChannel: number;
  /** The server's MaxPostSize: 16,383 runes on current databases (model.PostMessageMaxRunesV2). */
  readonly maxPostSize: number;
}

export const DEFAULT_SETTINGS: ServerSettings = {
  enableIncomingWebhooks: true,
  enablePostUsernameOverride: false,
  enablePostIconOverride: false,
  maximumPayloadSizeBytes: 300_000,
  maxNotificationsPerChannel: 1_000,
  maxPostSize: 16_383,
};

export interface UserSpec {
  readonly username: string;
  readonly online?: boolean;
  /** The user's "channel-wide mentions" notification setting (on by default). */
  readonly channelMentions?: boolean;
  /** Holds use_channel_mentions (granted by the channel_user role unless a scheme removes it). */
  readonly mayMentionChannel?: boolean;
}

export interface ChannelSpec {
  readonly name: string;
  readonly private?: boolean;
  /** Usernames; every user when absent. */
  readonly members?: readonly string[];
  readonly archived?: boolean;
}

export interface HookSpec {
  /** 26 characters [a-z0-9], like every Mattermost id; the URL's secret part. */
  readonly id: string;
  /** The channel the hook was created for. */
  readonly channel: string;
  readonly creator?: string;
  readonly displayName?: string;
  /** "Lock to this channel": posts elsewhere are refused with 403. */
  readonly locked?: boolean;
  /** The hook's own name and picture, used when a request sends none (and overrides are on). */
  readonly username?: string;
  readonly iconUrl?: string;
}

/** A post as it would appear in a channel, and whom it reached. */
export interface Post {
  readonly hook: string;
  /** The channel's name; "@user" for a direct message. */
  readonly channel: string;
  /** The name shown: the override when overrides are on, else the hook creator's username. */
  readonly username: string;
  readonly iconUrl?: string;
  /** Post.Message, after Mattermost's rewriting. */
  readonly text: string;
  readonly attachments: readonly SlackAttachment[];
  readonly props: Readonly<Record<string, unknown>>;
  readonly priority?: IncomingWebhookRequest["priority"];
  /** Everything a reader sees, joined: message, pretext, title, text, fields. */
  readonly visible: string;
  readonly notified: Notified;
  /** Link destinations a reader could follow (./mattermost/links.ts). */
  readonly links: readonly string[];
}

/** Every request, accepted or not. */
export interface Attempt {
  readonly hook: string;
  readonly status: number;
  /** The first attachment's title, or the text's first line: which message it was. */
  readonly title: string;
  readonly requestBytes: number;
  readonly responseBody: string;
}

export interface TestMattermost {
  readonly url: string;
  /** The URL of an incoming webhook this server knows (a secret in real life). */
  hookUrl(id?: string): string;
  readonly posts: Post[];
  readonly attempts: Attempt[];
  configure(settings: Partial<ServerSettings>): void;
  updateHook(id: string, patch: Partial<Omit<HookSpec, "id">>): void;
  deleteHook(id: string): void;
  restoreHook(id: string): void;
  archiveChannel(name: string, archived?: boolean): void;
  /** The database fails every write, as during an outage: CreatePost errors, 500. */
  failPosting(failing?: boolean): void;
  /** Resolves with the first post matching `predicate`, or rejects after `timeoutMs`. */
  waitForPost(predicate: (post: Post) => boolean, timeoutMs?: number): Promise<Post>;
  close(): Promise<void>;
}

export const DEFAULT_HOOK = "stackmon0test0hook0id00000";
export const HOOK_CREATOR = "alertbot";

interface State {
  settings: ServerSettings;
  users: Map<string, Required<UserSpec>>;
  channels: Map<string, ChannelSpec>;
  hooks: Map<string, HookSpec>;
  deleted: Set<string>;
  failing: boolean;
}

export async function startMattermost(
  options: {
    hooks?: readonly (string | HookSpec)[];
    hookChannel?: string;
    channels?: readonly (string | ChannelSpec)[];
    users?: readonly UserSpec[];
    settings?: Partial<ServerSettings>;
    /** Where it listens (default 127.0.0.1); a port is picked. */
    listenHost?: string;
  } = {},
): Promise<TestMattermost> {
  const hookChannel = options.hookChannel ?? "town-square";
  const users = options.users ?? [
    { username: HOOK_CREATOR },
    { username: "alice", online: true },
    { username: "bob", online: false },
  ];
  const state: State = {
    settings: { ...DEFAULT_SETTINGS, ...options.settings },
    users: new Map(
      users.map((u) => [u.username, { online: true, channelMentions: true, mayMentionChannel: true, ...u }]),
    ),
    channels: new Map(
      [hookChannel, ...(options.channels ?? [])].map((c) => {
        const spec = typeof c === "string" ? { name: c } : c;
        return [spec.name, spec];
      }),
    ),
    hooks: new Map(
      (options.hooks ?? [DEFAULT_HOOK]).map((h) => {
        const spec = typeof h === "string" ? { id: h, channel: hookChannel } : h;
        return [spec.id, spec];
      }),
    ),
    deleted: new Set(),
    failing: false,
  };
  const posts: Post[] = [];
  const attempts: Attempt[] = [];
  const waiters = new Set<() => void>();

  const server: Server = createServer((request, response) => {
    void serve(request, response, state).then(({ status, body, created, hook, requestBytes, title }) => {
      attempts.push({ hook, status, title, requestBytes, responseBody: body });
      posts.push(...created);
      if (created.length > 0) for (const waiter of waiters) waiter();
    });
  });
  const listenHost = options.listenHost ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(0, listenHost, resolve));
  const url = `http://${listenHost}:${(server.address() as AddressInfo).port}`;
  const hookOf = (id: string) => {
    const hook = state.hooks.get(id);
    if (!hook) throw new Error(`no hook ${id}`);
    return hook;
  };

  return {
    url,
    hookUrl: (id = DEFAULT_HOOK) => `${url}/hooks/${id}`,
    posts,
    attempts,
    configure: (settings) => {
      state.settings = { ...state.settings, ...settings };
    },
    updateHook: (id, patch) => state.hooks.set(id, { ...hookOf(id), ...patch }),
    deleteHook: (id) => state.deleted.add(hookOf(id).id),
    restoreHook: (id) => state.deleted.delete(id),
    archiveChannel: (name, archived = true) => {
      const channel = state.channels.get(name);
      if (!channel) throw new Error(`no channel ${name}`);
      state.channels.set(name, { ...channel, archived });
    },
    failPosting: (failing = true) => {
      state.failing = failing;
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
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Outcome {
  readonly status: number;
  readonly body: string;
  readonly created: Post[];
  readonly hook: string;
  readonly requestBytes: number;
  readonly title: string;
}

async function serve(request: IncomingMessage, response: ServerResponse, state: State): Promise<Outcome> {
  const [path = "", rawQuery = ""] = (request.url ?? "").split(/\?(.*)/s);
  const hook = /^\/hooks\/([A-Za-z0-9]+)$/.exec(path)?.[1] ?? "";
  const limit = state.settings.maximumPayloadSizeBytes + 512;
  const { body, overLimit, bytes } = await readBody(request, limit);
  const requestId = randomBytes(13).toString("hex");
  const finish = (status: number, text: string, created: Post[] = [], title = ""): Outcome => {
    const headers = {
      "Content-Type": status === 200 ? "text/plain" : "application/json",
      "X-Request-Id": requestId,
    };
    // http.MaxBytesReader asks the server to close the connection once the limit is passed.
    response.writeHead(status, overLimit ? { ...headers, Connection: "close" } : headers).end(text);
    return { status, body: text, created, hook, requestBytes: bytes, title };
  };
  // The router: /hooks/{id:[A-Za-z0-9]+} for POST only (InitWebhooks).
  if (hook === "") return finish(404, new AppError("api.context.404.app_error", 404).toJSON(requestId));
  if (request.method !== "POST") return finish(405, "");
  const raw = {
    hookId: hook,
    contentType: request.headers["content-type"],
    rawQuery,
    body,
    overLimit,
    limit: state.settings.maximumPayloadSizeBytes,
  };
  const routed = decodeWebhookRequest(raw);
  const decoded = "multipart" in routed ? await decodeMultipart(raw) : routed;
  if ("error" in decoded) return finish(...errorAnswer(decoded.error, requestId));
  const title = decoded.request.attachments?.[0]?.title || (decoded.request.text.split("\n")[0] ?? "");
  const handled = handleIncomingWebhook(hook, decoded.request, state);
  if (handled instanceof AppError) {
    const media =
      /^[^;]*/
        .exec(raw.contentType ?? "")?.[0]
        ?.trim()
        .toLowerCase() ?? "";
    // The handler reports what went wrong inside a general error with the inner status.
    const general = new AppError(
      "web.incoming_webhook.general.app_error",
      handled.statusCode,
      { hook_id: hook, media_type: media },
      handled,
    );
    const [status, text] = errorAnswer(general, requestId);
    return finish(status, text, [], title);
  }
  return finish(200, "ok", handled, title);
}

/** handleContextError: a wrapped MaxBytesError becomes the 413; everything else as it is. */
function errorAnswer(error: AppError, requestId: string): [number, string] {
  const answer = wrapsBodyTooLarge(error)
    ? new AppError("api.context.request_body_too_large.app_error", 413)
    : error;
  return [answer.statusCode, answer.toJSON(requestId)];
}

function readBody(
  request: IncomingMessage,
  limit: number,
): Promise<{ body: Buffer; overLimit: boolean; bytes: number }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    request.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= limit + 1) chunks.push(chunk);
    });
    request.on("end", () =>
      resolve({ body: Buffer.concat(chunks).subarray(0, limit), overLimit: bytes > limit, bytes }),
    );
  });
}

/** HandleIncomingWebhook through CreatePost: the posts created, or the error. */
function handleIncomingWebhook(
  hookId: string,
  request: IncomingWebhookRequest,
  state: State,
): Post[] | AppError {
  const { settings } = state;
  if (!settings.enableIncomingWebhooks) return new AppError("web.incoming_webhook.disabled.app_error", 501);
  if (request.text === "" && request.attachments === null) {
    return new AppError("web.incoming_webhook.text.app_error", 400, { hook_id: hookId });
  }
  const hook = state.deleted.has(hookId) ? undefined : state.hooks.get(hookId);
  if (!hook) return new AppError("web.incoming_webhook.invalid.app_error", 400, { hook_id: hookId });
  const creator = state.users.get(hook.creator ?? HOOK_CREATOR);
  const usernameOf = (id: string) => [...state.users.keys()].find((name) => userId(name) === id);
  const text = processSlackText(request.text, usernameOf);
  const attachments = processAttachments(request.attachments ?? [], usernameOf);
  const target = resolveChannel(request.channel, hook, state);
  if (target instanceof AppError) return target;
  if (hook.locked && target.name !== hook.channel) {
    return new AppError("web.incoming_webhook.channel_locked.app_error", 403, {
      channel_id: channelId(target.name),
    });
  }
  if (!creator)
    return new AppError("web.incoming_webhook.user.app_error", 403, { user: hook.creator ?? HOOK_CREATOR });
  if (target.private && !(target.members ?? []).includes(creator.username)) {
    return new AppError("web.incoming_webhook.permissions.app_error", 403, {
      user: userId(creator.username),
      channel: channelId(target.name),
    });
  }
  const stored = webhookPosts({
    text,
    attachments,
    request,
    hookDisplayName: hook.displayName ?? "",
    overrideUsername: request.username || hook.username || "",
    overrideIconUrl: request.icon_url || hook.iconUrl || "",
    enableUsernameOverride: settings.enablePostUsernameOverride,
    enableIconOverride: settings.enablePostIconOverride,
    maxPostSize: settings.maxPostSize,
  });
  if (stored instanceof AppError) return stored;
  // CreatePost refuses an archived channel (and fails while the database does): CreateWebhookPost
  // answers that as 500.
  if (target.archived || state.failing)
    return new AppError("api.post.create_webhook_post.creating.app_error", 500);
  return stored.map((post) => recordOf(post, hook, creator, target, state));
}

interface Target extends ChannelSpec {
  /** A direct message with this user. */
  readonly direct?: string;
}

/** The channel field: "@user" a direct message, "#name" or "name" a channel of the team, "" the hook's. */
function resolveChannel(name: string, hook: HookSpec, state: State): Target | AppError {
  if (name.startsWith("@")) {
    const user = state.users.get(name.slice(1));
    if (!user) return new AppError("web.incoming_webhook.user.app_error", 400, { user: name.slice(1) });
    return {
      name,
      members: [...new Set([hook.creator ?? HOOK_CREATOR, user.username])],
      direct: user.username,
    };
  }
  const wanted = name === "" ? hook.channel : name.replace(/^#/, "");
  const channel = state.channels.get(wanted);
  if (channel) return channel;
  return name === ""
    ? new AppError("app.channel.get.existing.app_error", 404)
    : new AppError("web.incoming_webhook.channel.app_error", 404);
}

function recordOf(
  post: StoredPost,
  hook: HookSpec,
  creator: Required<UserSpec>,
  target: Target,
  state: State,
): Post {
  const members: ChannelMember[] = (target.members ?? [...state.users.keys()]).flatMap((username) => {
    const user = state.users.get(username);
    return user ? [{ username, online: user.online, channelMentions: user.channelMentions }] : [];
  });
  const fields = mentionFields(post.message, post.attachments);
  // A direct message notifies the other user, and the hook's creator too as the post comes from
  // a webhook (getExplicitMentionsAndKeywords, DMMention).
  const notified: Notified = target.direct
    ? { users: [...new Set([target.direct, creator.username])].sort(), keywords: [], outOfChannel: [] }
    : notifiedBy(fields, {
        members,
        creatorMayMentionChannel: creator.mayMentionChannel,
        maxNotificationsPerChannel: state.settings.maxNotificationsPerChannel,
      });
  const overrideName = post.props["override_username"];
  const overrideIcon = post.props["override_icon_url"];
  const visibleParts = [
    post.message,
    ...post.attachments.flatMap((a) => [
      a.pretext,
      a.title,
      a.text,
      ...(a.fields ?? []).flatMap((f) => [f.title, typeof f.value === "string" ? f.value : ""]),
    ]),
  ];
  return {
    hook: hook.id,
    channel: target.name,
    username: typeof overrideName === "string" ? overrideName : creator.username,
    ...(typeof overrideIcon === "string" ? { iconUrl: overrideIcon } : {}),
    text: post.message,
    attachments: post.attachments,
    props: post.props,
    ...(post.priority ? { priority: post.priority } : {}),
    visible: visibleParts.filter(Boolean).join("\n"),
    notified,
    links: visibleParts.flatMap(linksIn),
  };
}

/** Stable 26-character ids for names, as Mattermost's ids look. */
function userId(username: string): string {
  return `u${username}`.padEnd(26, "0").slice(0, 26);
}

function channelId(name: string): string {
  return `c${name.replace(/[^a-z0-9]/g, "")}`.padEnd(26, "0").slice(0, 26);
}

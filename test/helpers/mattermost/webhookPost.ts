// From a decoded request to the posts Mattermost stores, as server/channels/app/webhook.go does
// it (HandleIncomingWebhook, CreateWebhookPost, SplitWebhookPost) with the Slack conversions of
// server/channels/app/slack.go (ProcessSlackText, ProcessMessageAttachments) and
// server/public/model/slack_attachment.go (ParseSlackAttachment, ParseSlackLinksToMarkdown).
import { AppError } from "./appError.js";
import { goValueText, type IncomingWebhookRequest, type SlackAttachment } from "./webhookRequest.js";

/** model.PostPropsMaxUserRunes: PostPropsMaxRunes (800,000) less 40,000 kept for the server. */
export const POST_PROPS_MAX_USER_RUNES = 760_000;
/** model.DefaultWebhookUsername: the name shown when overrides are on and none is given. */
export const DEFAULT_WEBHOOK_USERNAME = "webhook";

export interface StoredPost {
  /** Post.Message. */
  readonly message: string;
  readonly type: string;
  readonly props: Record<string, unknown>;
  readonly attachments: readonly SlackAttachment[];
  readonly priority?: IncomingWebhookRequest["priority"];
}

/**
 * expandAnnouncement: only these exact Slack forms become mentions; `<!channel|channel>` (the
 * label form Grafana writes) is left alone and later becomes a link.
 */
export function processSlackText(text: string, usernameOf: (id: string) => string | undefined): string {
  let expanded = text;
  for (const [slack, mention] of [
    ["<!channel>", "@channel"],
    ["<!here>", "@here"],
    ["<!all>", "@all"],
  ] as const) {
    expanded = expanded.replaceAll(slack, mention);
  }
  // replaceUserIds: <@USERID> becomes @username for the ids that are users.
  return expanded.replace(/<@([a-zA-Z0-9]+)>/g, (whole, id: string) => {
    const username = usernameOf(id);
    return username ? `@${username}` : whole;
  });
}

/** ProcessMessageAttachments: pretext, text, title and every field value through ProcessSlackText. */
export function processAttachments(
  attachments: readonly SlackAttachment[],
  usernameOf: (id: string) => string | undefined,
): SlackAttachment[] {
  return attachments.map((attachment) => ({
    ...attachment,
    pretext: processSlackText(attachment.pretext, usernameOf),
    text: processSlackText(attachment.text, usernameOf),
    title: processSlackText(attachment.title, usernameOf),
    fields:
      attachment.fields?.map((field) =>
        field.value === null
          ? field
          : { ...field, value: processSlackText(goValueText(field.value), usernameOf) },
      ) ?? null,
  }));
}

/** CreateWebhookPost's message rewrite (app/webhook.go linkWithTextRegex): <url|text> → [text](url). */
function messageLinksToMarkdown(text: string): string {
  return text.replace(/<([^\n<|>]+)\|([^|\n>]+)>/g, "[$2]($1)");
}

/** ParseSlackLinksToMarkdown (model/slack_attachment.go): the same for attachment text and pretext. */
function attachmentLinksToMarkdown(text: string): string {
  return text.replace(/<([^<|]+)\|([^>]+)>/g, "[$2]($1)");
}

export interface WebhookPostInput {
  readonly text: string;
  readonly attachments: readonly SlackAttachment[];
  readonly request: IncomingWebhookRequest;
  readonly hookDisplayName: string;
  readonly overrideUsername: string;
  readonly overrideIconUrl: string;
  readonly enableUsernameOverride: boolean;
  readonly enableIconOverride: boolean;
  readonly maxPostSize: number;
}

/** CreateWebhookPost up to CreatePost: the props, then the split into posts. */
export function webhookPosts(input: WebhookPostInput): StoredPost[] | AppError {
  const { request } = input;
  if (request.priority !== null && request.priority.priority === null) {
    return new AppError("api.context.invalid_param.app_error", 400, { Name: "webhook.priority.priority" });
  }
  const type = input.attachments.length > 0 ? "slack_attachment" : request.type;
  // A webhook may not create system messages.
  if (type.startsWith("system_"))
    return new AppError("api.context.invalid_param.app_error", 400, { Name: "post.type" });
  const props: Record<string, unknown> = { from_webhook: "true" };
  // Without EnablePostUsernameOverride / EnablePostIconOverride (both off by default,
  // model/config.go) the post shows the hook creator's name and picture whatever was sent.
  if (input.enableUsernameOverride)
    props["override_username"] = input.overrideUsername || DEFAULT_WEBHOOK_USERNAME;
  if (input.enableIconOverride) {
    if (input.overrideIconUrl) props["override_icon_url"] = input.overrideIconUrl;
    if (request.icon_emoji) props["override_icon_emoji"] = request.icon_emoji;
  }
  for (const [key, value] of Object.entries({
    ...request.props,
    webhook_display_name: input.hookDisplayName,
  })) {
    if (key !== "attachments" && !["override_icon_url", "override_username", "from_webhook"].includes(key)) {
      props[key] = value;
    }
  }
  const attachments = input.attachments.map((a) => ({
    ...a,
    text: attachmentLinksToMarkdown(a.text),
    pretext: attachmentLinksToMarkdown(a.pretext),
    fields:
      a.fields?.map((f) =>
        typeof f.value === "string" ? { ...f, value: attachmentLinksToMarkdown(f.value) } : f,
      ) ?? null,
  }));
  return splitWebhookPost(
    messageLinksToMarkdown(input.text),
    type,
    props,
    attachments,
    input.maxPostSize,
    request,
  );
}

/**
 * SplitWebhookPost: the message in pieces of at most maxPostSize runes (code points, not UTF-16
 * units); the attachments go on the last piece, and onto new pieces when the props would pass
 * POST_PROPS_MAX_USER_RUNES; a single attachment too large for a piece has its text cut.
 */
function splitWebhookPost(
  message: string,
  type: string,
  baseProps: Record<string, unknown>,
  attachments: readonly SlackAttachment[],
  maxPostSize: number,
  request: IncomingWebhookRequest,
): StoredPost[] | AppError {
  const tooLong = () =>
    new AppError("web.incoming_webhook.split_props_length.app_error", 400, {
      Max: POST_PROPS_MAX_USER_RUNES,
    });
  if (runes(goJson(baseProps)).length > POST_PROPS_MAX_USER_RUNES) return tooLong();
  const pieces: { message: string; attachments: SlackAttachment[] }[] = [];
  let remaining = runes(message);
  while (remaining.length > maxPostSize) {
    pieces.push({ message: remaining.slice(0, maxPostSize).join(""), attachments: [] });
    remaining = remaining.slice(maxPostSize);
  }
  pieces.push({ message: remaining.join(""), attachments: [] });
  for (const attachment of attachments) {
    let candidate = { ...attachment };
    for (;;) {
      const last = pieces[pieces.length - 1];
      if (!last) break;
      const propsRunes = runes(
        goJson({ ...baseProps, attachments: [...last.attachments, candidate].map(goAttachment) }),
      );
      if (propsRunes.length <= POST_PROPS_MAX_USER_RUNES) {
        last.attachments.push(candidate);
        break;
      }
      if (last.attachments.length > 0) {
        pieces.push({ message: "", attachments: [] });
        continue;
      }
      const excess = propsRunes.length - POST_PROPS_MAX_USER_RUNES;
      const text = runes(attachment.text);
      if (text.length < excess) return tooLong();
      candidate = { ...candidate, text: text.slice(0, text.length - excess).join("") };
      last.attachments.push(candidate);
      break;
    }
  }
  return pieces.map((piece) => ({
    message: piece.message,
    type,
    props: piece.attachments.length > 0 ? { ...baseProps, attachments: piece.attachments } : { ...baseProps },
    attachments: piece.attachments,
    ...(request.priority ? { priority: request.priority } : {}),
  }));
}

/** Code points, as Go's utf8.RuneCountInString counts them. */
export function runes(text: string): string[] {
  return [...text];
}

/** An attachment as encoding/json writes model.SlackAttachment (struct order, no omitempty but actions). */
function goAttachment(a: SlackAttachment): Record<string, unknown> {
  return {
    id: a.id,
    fallback: a.fallback,
    color: a.color,
    pretext: a.pretext,
    author_name: a.author_name,
    author_link: a.author_link,
    author_icon: a.author_icon,
    title: a.title,
    title_link: a.title_link,
    text: a.text,
    fields: a.fields,
    image_url: a.image_url,
    thumb_url: a.thumb_url,
    footer: a.footer,
    footer_icon: a.footer_icon,
    ts: a.ts,
    ...(a.actions && a.actions.length > 0 ? { actions: a.actions } : {}),
  };
}

/**
 * model.StringInterfaceToJSON: encoding/json, which sorts map keys and escapes <, > and & as
 * \u003c, \u003e, \u0026 (HTML-safe), so such characters count six runes each.
 */
export function goJson(value: Record<string, unknown>): string {
  const sorted = Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
  return JSON.stringify(sorted)
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

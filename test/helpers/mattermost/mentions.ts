// Who a webhook post notifies, as server/channels/app/notification.go decides it:
// getMentionsEnabledFields (the message, each attachment's pretext and text, and string field
// values), getExplicitMentions/processText (words split on what cannot be part of a mention,
// text inside code not scanned), allowChannelMentions (the poster -- for a webhook, its creator --
// needs the use_channel_mentions permission, and the channel fewer members than
// TeamSettings.MaxNotificationsPerChannel) and addMentionKeywordsForUser (@channel and @all reach
// members whose channel-mention setting is on, @here only those online).
import type { SlackAttachment } from "./webhookRequest.js";

export interface ChannelMember {
  readonly username: string;
  /** Status online: only these hear @here. */
  readonly online: boolean;
  /** NotifyProps channel (on by default), and the channel not muted with mentions ignored. */
  readonly channelMentions: boolean;
}

export interface MentionContext {
  readonly members: readonly ChannelMember[];
  /** The hook creator holds use_channel_mentions in this channel (the channel_user role grants it). */
  readonly creatorMayMentionChannel: boolean;
  /** TeamSettings.MaxNotificationsPerChannel, 1,000 by default. */
  readonly maxNotificationsPerChannel: number;
}

export interface Notified {
  /** Members a mention reaches, by username, sorted. */
  readonly users: readonly string[];
  /** The mention words that matched a keyword: "@channel", "@alice". */
  readonly keywords: readonly string[];
  /** @channel, @here or @all was written but could not notify, and why. */
  readonly channelMentionRefused?: string;
  /** @name words that are not members (OtherPotentialMentions: an ephemeral "not in channel" note). */
  readonly outOfChannel: readonly string[];
}

/** getMentionsEnabledFields. */
export function mentionFields(message: string, attachments: readonly SlackAttachment[]): string[] {
  const fields = [message];
  for (const attachment of attachments) {
    if (attachment.pretext !== "") fields.push(attachment.pretext);
    if (attachment.text !== "") fields.push(attachment.text);
    for (const field of attachment.fields ?? []) {
      if (typeof field.value === "string" && field.value !== "") fields.push(field.value);
    }
  }
  return fields;
}

const CHANNEL_WIDE = ["@channel", "@all", "@here"];

export function notifiedBy(fields: readonly string[], context: MentionContext): Notified {
  const channelWideAllowed =
    context.creatorMayMentionChannel && context.members.length < context.maxNotificationsPerChannel;
  const keywords = new Map<string, string[]>();
  const add = (keyword: string, username: string) =>
    keywords.set(keyword, [...(keywords.get(keyword) ?? []), username]);
  for (const member of context.members) {
    add(`@${member.username.toLowerCase()}`, member.username);
    if (channelWideAllowed && member.channelMentions) {
      add("@channel", member.username);
      add("@all", member.username);
      if (member.online) add("@here", member.username);
    }
  }
  const users = new Set<string>();
  const matched = new Set<string>();
  const written = new Set<string>();
  const outOfChannel: string[] = [];
  const check = (word: string): boolean => {
    const lower = word.toLowerCase();
    if (CHANNEL_WIDE.includes(lower)) written.add(lower);
    const ids = keywords.get(lower);
    if (!ids) return false;
    matched.add(lower);
    for (const id of ids) users.add(id);
    return true;
  };
  for (const text of fields.flatMap(scannedText)) processText(text, check, outOfChannel);
  const refused = [...written].filter((w) => !matched.has(w));
  return {
    users: [...users].sort(),
    keywords: [...matched].sort(),
    ...(refused.length > 0
      ? {
          channelMentionRefused: !context.creatorMayMentionChannel
            ? "the hook's creator may not use channel mentions here"
            : context.members.length >= context.maxNotificationsPerChannel
              ? `the channel has ${context.members.length} members, MaxNotificationsPerChannel is ${context.maxNotificationsPerChannel}`
              : "no member has channel mentions turned on",
        }
      : {}),
    outOfChannel,
  };
}

/**
 * The text markdown.Inspect hands to processText: everything but code (fenced and indented
 * blocks, and code spans), which is not a Text node and never mentions anyone.
 */
function scannedText(markdown: string): string[] {
  const withoutBlocks = markdown
    .replace(/^ {0,3}(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:^ {0,3}\1[^\n]*$|(?![\s\S]))/gm, "\n")
    .replace(/^(?: {4}|\t)[^\n]*$/gm, "");
  return withoutBlocks.split(/(`+)[\s\S]*?\1/).filter((_, i) => i % 2 === 0);
}

/** processText: split on anything that is not a letter, number, `:`, `.`, `-`, `_` or `@`. */
function processText(text: string, check: (word: string) => boolean, outOfChannel: string[]): void {
  for (const raw of text.split(/[^\p{L}\p{N}:._\-@]+/u)) {
    if (raw === "") continue;
    // A word shaped :like_this: is taken for an emoji.
    if (raw.startsWith(":") && raw.endsWith(":")) continue;
    const word = raw.replace(/^[:.\-_]+/, "");
    if (word === "" || check(word)) continue;
    let trimmed = word;
    let found = false;
    while (trimmed !== "" && /[.\-:_]$/.test(trimmed)) {
      trimmed = trimmed.slice(0, -1);
      if (check(trimmed)) {
        found = true;
        break;
      }
    }
    if (found) continue;
    if (!CHANNEL_WIDE.includes(word) && word.startsWith("@")) {
      // A lone "@" adds an empty name, which finds nobody; it is left out of the record.
      const name = word.slice(1).replace(/[.\-:]$/, "");
      if (name !== "") outOfChannel.push(name);
    } else if (/[.\-:]/.test(word)) {
      for (const part of word.split(/[.\-:]+/)) {
        if (part === "" || check(part)) continue;
        if (!CHANNEL_WIDE.includes(part) && part.startsWith("@")) outOfChannel.push(part.slice(1));
      }
    }
  }
}

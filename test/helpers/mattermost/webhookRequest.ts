// The body of a request to an incoming webhook, decoded as Mattermost's server decodes it:
// server/channels/web/webhook.go (incomingWebhook: form, multipart or JSON by media type),
// server/public/model/incoming_webhook.go (IncomingWebhookRequestFromJSON) and
// server/public/model/slack_attachment.go (the attachment fields, StringifySlackFieldValue).
// Go's encoding/json is followed where it differs from JSON.parse: keys match case-insensitively,
// only the first JSON value is read, and a field of the wrong type is an error.
import { AppError, BodyTooLarge } from "./appError.js";

export interface SlackAttachmentField {
  title: string;
  value: unknown;
  short: boolean;
}

export interface SlackAttachment {
  id: number;
  fallback: string;
  color: string;
  pretext: string;
  author_name: string;
  author_link: string;
  author_icon: string;
  title: string;
  title_link: string;
  text: string;
  fields: SlackAttachmentField[] | null;
  image_url: string;
  thumb_url: string;
  footer: string;
  footer_icon: string;
  ts: unknown;
  actions?: unknown[];
}

export interface PostPriority {
  priority: string | null;
  requested_ack: boolean | null;
  persistent_notifications: boolean | null;
}

/** model.IncomingWebhookRequest, field by field (its json tags). */
export interface IncomingWebhookRequest {
  text: string;
  username: string;
  icon_url: string;
  channel: string;
  props: Record<string, unknown> | null;
  attachments: SlackAttachment[] | null;
  type: string;
  icon_emoji: string;
  priority: PostPriority | null;
}

export interface RawRequest {
  readonly hookId: string;
  readonly contentType: string | undefined;
  readonly rawQuery: string;
  readonly body: Buffer;
  /** The body went past MaximumPayloadSizeBytes + bytes.MinRead (http.MaxBytesReader). */
  readonly overLimit: boolean;
  readonly limit: number;
}

type Decoded = { readonly request: IncomingWebhookRequest } | { readonly error: AppError };
/** A multipart body, checked as far as ParseForm goes, is decoded by decodeMultipart. */
type Routed = Decoded | { readonly multipart: true };

/** incomingWebhook in server/channels/web/webhook.go, up to the call of HandleIncomingWebhook. */
export function decodeWebhookRequest(raw: RawRequest): Routed {
  const errCtx = { hook_id: raw.hookId };
  const media = parseMediaType(raw.contentType);
  // r.ParseForm() parses the query, and the body of a urlencoded POST (net/http parsePostForm,
  // which also fails on a malformed Content-Type); its error is a 400 wrapping the cause, so a
  // body past the limit becomes the 413 of handleContextError.
  const query = parseGoQuery(raw.rawQuery);
  const form = media.type === "application/x-www-form-urlencoded" ? readForm(raw) : undefined;
  const formError = media.error ?? query.error ?? (form && "error" in form ? form.error : undefined);
  if (formError !== undefined) {
    return {
      error: new AppError(
        "web.incoming_webhook.parse_form.app_error",
        400,
        errCtx,
        formError === "too-large" ? new BodyTooLarge(raw.limit) : undefined,
      ),
    };
  }
  const withMedia = { ...errCtx, media_type: media.type };
  const decodeError = (status: number, wrapped?: AppError | BodyTooLarge) =>
    new AppError("web.incoming_webhook.decode.app_error", status, withMedia, wrapped);
  if (media.type === "application/x-www-form-urlencoded") {
    // r.FormValue("payload"): the body's value first, then the URL query's.
    const values = form && "values" in form ? form.values : new Map<string, string[]>();
    const payload = values.get("payload")?.[0] ?? query.values.get("payload")?.[0] ?? "";
    const decoded = requestFromJson(payload);
    return "error" in decoded ? { error: decodeError(400, decoded.error) } : decoded;
  }
  if (media.type === "multipart/form-data") return { multipart: true };
  if (raw.overLimit) return { error: decodeError(400, new BodyTooLarge(raw.limit)) };
  const decoded = requestFromJson(raw.body.toString("utf8"));
  return "error" in decoded ? { error: decodeError(decoded.error.statusCode, decoded.error) } : decoded;
}

/**
 * A multipart/form-data body: r.ParseMultipartForm(0), then gorilla/schema fills the request
 * struct from the text fields, matching keys to Go field names case-insensitively
 * (structInfo.get uses strings.EqualFold). A key it does not know (`channel`: the field is
 * ChannelName) is an error, as the decoder does not ignore unknown keys. Nested fields
 * (attachments, props, priority) are not modelled and refused the same way.
 */
export async function decodeMultipart(raw: RawRequest): Promise<Decoded> {
  const errCtx = { hook_id: raw.hookId, media_type: "multipart/form-data" };
  if (raw.overLimit) {
    return {
      error: new AppError(
        "web.incoming_webhook.parse_multipart.app_error",
        400,
        errCtx,
        new BodyTooLarge(raw.limit),
      ),
    };
  }
  let form: FormData;
  try {
    form = await new Response(raw.body, { headers: { "content-type": raw.contentType ?? "" } }).formData();
  } catch {
    return { error: new AppError("web.incoming_webhook.parse_multipart.app_error", 400, errCtx) };
  }
  const request = emptyRequest();
  const fields: Record<string, keyof IncomingWebhookRequest> = {
    text: "text",
    username: "username",
    iconurl: "icon_url",
    channelname: "channel",
    type: "type",
    iconemoji: "icon_emoji",
  };
  for (const [key, value] of form.entries()) {
    const field = fields[key.toLowerCase()];
    if (!field) return { error: new AppError("web.incoming_webhook.decode.app_error", 400, errCtx) };
    if (typeof value === "string") Object.assign(request, { [field]: value });
  }
  return { request };
}

function emptyRequest(): IncomingWebhookRequest {
  return {
    text: "",
    username: "",
    icon_url: "",
    channel: "",
    props: null,
    attachments: null,
    type: "",
    icon_emoji: "",
    priority: null,
  };
}

/** mime.ParseMediaType: a lowercased type/subtype, or an error for anything malformed. */
function parseMediaType(header: string | undefined): { type: string; error?: string } {
  // net/http parsePostForm treats a missing Content-Type as application/octet-stream.
  if (header === undefined || header === "") return { type: "" };
  const token = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
  const match = new RegExp(`^\\s*(${token})/(${token})\\s*((?:;.*)?)$`).exec(header);
  if (!match) return { type: "", error: "mime: expected slash after first token" };
  const params = match[3] ?? "";
  const param = `;\\s*${token}\\s*=\\s*(?:${token}|"(?:[^"\\\\]|\\\\.)*")\\s*`;
  if (!new RegExp(`^(?:${param})*;?\\s*$`).test(params)) {
    return { type: "", error: "mime: invalid media parameter" };
  }
  return { type: `${match[1]}/${match[2]}`.toLowerCase() };
}

/** url.ParseQuery: `+` is a space, a bad %-escape or a `;` separator is an error. */
function parseGoQuery(text: string): { values: Map<string, string[]>; error?: string } {
  const values = new Map<string, string[]>();
  for (const part of text.split("&")) {
    if (part === "") continue;
    if (part.includes(";")) return { values, error: "invalid semicolon separator in query" };
    const [rawKey = "", ...rest] = part.split("=");
    const decode = (s: string) => {
      if (/%(?![0-9A-Fa-f]{2})/.test(s)) throw new Error("invalid URL escape");
      return decodeURIComponent(s.replaceAll("+", " "));
    };
    try {
      const key = decode(rawKey);
      values.set(key, [...(values.get(key) ?? []), decode(rest.join("="))]);
    } catch {
      return { values, error: "invalid URL escape" };
    }
  }
  return { values };
}

function readForm(raw: RawRequest): { values: Map<string, string[]> } | { error: string } {
  if (raw.overLimit) return { error: "too-large" };
  const parsed = parseGoQuery(raw.body.toString("utf8"));
  return parsed.error !== undefined ? { error: parsed.error } : { values: parsed.values };
}

/**
 * IncomingWebhookRequestFromJSON: decode; when that fails, escape raw newlines and tabs inside
 * the values of a few keys (escapeControlCharsFromPayload) and decode again; then drop null
 * attachments and fields and turn every field value into a string (StringifySlackFieldValue).
 */
export function requestFromJson(text: string): Decoded {
  const parseError = () => ({ error: new AppError("model.incoming_hook.parse_data.app_error", 400) });
  let decoded = decodeGoJson(text);
  if (decoded === undefined) {
    const escaped = text.replace(
      /"(text|fallback|pretext|author_name|title|value)"\s*:\s*"(\\"|[^"])*"/gs,
      (m) => m.replaceAll("\n", "\\n").replaceAll("\t", "\\t"),
    );
    decoded = decodeGoJson(escaped);
  }
  if (decoded === undefined) return parseError();
  try {
    const request = toRequest(decoded.value);
    request.attachments = stringifySlackFieldValue(request.attachments);
    return { request };
  } catch {
    return parseError();
  }
}

/** json.NewDecoder(...).Decode reads the first value only; whatever follows it is ignored. */
function decodeGoJson(text: string): { value: unknown } | undefined {
  const end = endOfFirstValue(text);
  if (end === undefined) return undefined;
  try {
    return { value: JSON.parse(text.slice(0, end)) as unknown };
  } catch {
    return undefined;
  }
}

function endOfFirstValue(text: string): number | undefined {
  let i = /^\s*/.exec(text)?.[0].length ?? 0;
  const first = text[i];
  if (first === undefined) return undefined;
  if (first !== "{" && first !== "[") {
    const scalar = /^(?:"(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false|null)/.exec(text.slice(i));
    return scalar ? i + scalar[0].length : undefined;
  }
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}

class GoTypeError extends Error {}

/** encoding/json's field matching: the exact key, else one equal under case folding. */
function fieldsOf(value: unknown, names: readonly string[]): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  if (value === null) return fields;
  if (typeof value !== "object" || Array.isArray(value))
    throw new GoTypeError("cannot unmarshal into struct");
  for (const [key, item] of Object.entries(value)) {
    const name = names.includes(key) ? key : names.find((n) => n.toLowerCase() === key.toLowerCase());
    if (name !== undefined) fields.set(name, item);
  }
  return fields;
}

function goString(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value !== "string") throw new GoTypeError("cannot unmarshal into string");
  return value;
}

function goBoolOrNull(value: unknown): boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== "boolean") throw new GoTypeError("cannot unmarshal into bool");
  return value;
}

function goArray(value: unknown): unknown[] | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value)) throw new GoTypeError("cannot unmarshal into slice");
  return value as unknown[];
}

const REQUEST_FIELDS = [
  "text",
  "username",
  "icon_url",
  "channel",
  "props",
  "attachments",
  "type",
  "icon_emoji",
  "priority",
];

function toRequest(value: unknown): IncomingWebhookRequest {
  const f = fieldsOf(value, REQUEST_FIELDS);
  const props = f.get("props");
  if (props !== undefined && props !== null && (typeof props !== "object" || Array.isArray(props))) {
    throw new GoTypeError("cannot unmarshal into StringInterface");
  }
  return {
    text: goString(f.get("text")),
    username: goString(f.get("username")),
    icon_url: goString(f.get("icon_url")),
    channel: goString(f.get("channel")),
    props: (props as Record<string, unknown> | null | undefined) ?? null,
    attachments: goArray(f.get("attachments"))?.map(toAttachment) ?? null,
    type: goString(f.get("type")),
    icon_emoji: goString(f.get("icon_emoji")),
    priority: toPriority(f.get("priority")),
  };
}

function toPriority(value: unknown): PostPriority | null {
  if (value === null || value === undefined) return null;
  const f = fieldsOf(value, ["priority", "requested_ack", "persistent_notifications"]);
  const priority = f.get("priority");
  return {
    priority: priority === null || priority === undefined ? null : goString(priority),
    requested_ack: goBoolOrNull(f.get("requested_ack")),
    persistent_notifications: goBoolOrNull(f.get("persistent_notifications")),
  };
}

const ATTACHMENT_STRINGS = [
  "fallback",
  "color",
  "pretext",
  "author_name",
  "author_link",
  "author_icon",
  "title",
  "title_link",
  "text",
  "image_url",
  "thumb_url",
  "footer",
  "footer_icon",
] as const;

/** A null element stays null here and is dropped by StringifySlackFieldValue. */
function toAttachment(value: unknown): SlackAttachment {
  if (value === null) return null as unknown as SlackAttachment;
  const f = fieldsOf(value, [...ATTACHMENT_STRINGS, "id", "fields", "ts", "actions"]);
  const id = f.get("id") ?? 0;
  if (id !== null && (typeof id !== "number" || !Number.isInteger(id))) throw new GoTypeError("id: int64");
  const attachment = {
    id: id ?? 0,
    fields: goArray(f.get("fields"))?.map(toField) ?? null,
    ts: f.get("ts") ?? null,
  } as SlackAttachment;
  for (const key of ATTACHMENT_STRINGS) attachment[key] = goString(f.get(key));
  const actions = goArray(f.get("actions"));
  if (actions) attachment.actions = actions;
  return attachment;
}

/** SlackCompatibleBool takes true/false or the strings Slack sends ("true"). */
function toField(value: unknown): SlackAttachmentField {
  if (value === null) return null as unknown as SlackAttachmentField;
  const f = fieldsOf(value, ["title", "value", "short"]);
  const short = f.get("short");
  if (short !== undefined && short !== null && typeof short !== "boolean" && typeof short !== "string") {
    throw new GoTypeError("short: SlackCompatibleBool");
  }
  return {
    title: goString(f.get("title")),
    value: f.get("value") ?? null,
    short: short === true || short === "true",
  };
}

/** StringifySlackFieldValue: no null attachments or fields; values as fmt.Sprintf("%v"). */
export function stringifySlackFieldValue(attachments: SlackAttachment[] | null): SlackAttachment[] | null {
  const kept = (attachments ?? []).filter((a) => a !== null);
  for (const attachment of kept) {
    if (attachment.fields === null) continue;
    attachment.fields = attachment.fields.filter((field) => field !== null);
    for (const field of attachment.fields) if (field.value !== null) field.value = goValueText(field.value);
  }
  // A nil slice when nothing is left: the "no text" check then refuses the request.
  return kept.length > 0 ? kept : null;
}

/** fmt's %v for what JSON decodes to (float64, bool, string, []any, map[string]any). */
export function goValueText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number")
    return Number.isInteger(value) && Math.abs(value) < 1e21 ? String(value) : goFloat(value);
  if (typeof value === "boolean") return String(value);
  if (value === null) return "<nil>";
  if (Array.isArray(value)) return `[${value.map(goValueText).join(" ")}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
  return `map[${entries.map(([k, v]) => `${k}:${goValueText(v)}`).join(" ")}]`;
}

/** %v of a float64 is %g: exponent form from 1e21 on, with a two-digit exponent. */
function goFloat(value: number): string {
  const text = String(value);
  return text.replace(/e([+-])(\d)$/, "e$10$2");
}

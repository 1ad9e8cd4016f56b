// Mattermost's error answers as its server writes them: an AppError serialised by
// server/public/model/utils.go (AppError.ToJSON: id, message, detailed_error, request_id,
// status_code), the message translated from server/i18n/en.json. detailed_error is wiped unless
// the server runs in developer mode (server/channels/web/handlers.go, handleContextError).

/** en.json translations of the ids an incoming webhook can answer with. */
const MESSAGES: Readonly<Record<string, string>> = {
  "api.context.404.app_error": "Sorry, we could not find the page.",
  "api.context.request_body_too_large.app_error": "Unable to process request. Request body too large.",
  "api.context.invalid_param.app_error": "Invalid {{.Name}} parameter.",
  "api.post.create_webhook_post.creating.app_error": "Error creating post.",
  "app.channel.get.existing.app_error": "Unable to find the existing channel.",
  "model.incoming_hook.parse_data.app_error": "Unable to parse incoming data.",
  "web.incoming_webhook.channel.app_error": "Couldn't find the channel.",
  "web.incoming_webhook.channel_locked.app_error":
    "This webhook is not permitted to post to the requested channel {{.channel_id}}",
  "web.incoming_webhook.decode.app_error":
    "Failed to decode the payload of media type {{.media_type}} for incoming webhook {{.hook_id}}.",
  "web.incoming_webhook.disabled.app_error": "Incoming webhooks have been disabled by the system admin.",
  "web.incoming_webhook.general.app_error":
    "Failed to handle the payload of media type {{.media_type}} for incoming webhook {{.hook_id}}.",
  "web.incoming_webhook.invalid.app_error": "Invalid webhook.",
  "web.incoming_webhook.media_type.app_error": "Failed to parse media incoming webhook {{.hook_id}}.",
  "web.incoming_webhook.parse_form.app_error": "Failed to parse form for webhook {{.hook_id}}.",
  "web.incoming_webhook.parse_multipart.app_error":
    "Failed to parse multipart form for webhook {{.hook_id}}.",
  "web.incoming_webhook.permissions.app_error":
    "User {{.user}} does not have appropriate permissions to channel {{.channel}}",
  "web.incoming_webhook.split_props_length.app_error":
    "Unable to split webhook props into {{.Max}} character parts.",
  "web.incoming_webhook.text.app_error": "No text specified.",
  "web.incoming_webhook.user.app_error": "Couldn't find the user {{.user}}",
};

export class AppError {
  constructor(
    readonly id: string,
    readonly statusCode: number,
    readonly params: Readonly<Record<string, string | number>> = {},
    /** The error this one wraps (AppError.Wrap), which handleContextError looks through. */
    readonly wrapped?: AppError | BodyTooLarge,
  ) {}

  /** The translated message, with go-i18n's {{.Name}} placeholders filled. */
  message(): string {
    const template = MESSAGES[this.id] ?? this.id;
    return template.replace(/\{\{\.(\w+)\}\}/g, (_, name: string) =>
      String(this.params[name] ?? "<no value>"),
    );
  }

  toJSON(requestId: string): string {
    return JSON.stringify({
      id: this.id,
      message: this.message(),
      detailed_error: "",
      request_id: requestId,
      status_code: this.statusCode,
    });
  }
}

/** Go's *http.MaxBytesError: reading past http.MaxBytesReader's limit. */
export class BodyTooLarge {
  constructor(readonly limit: number) {}
}

/** Whether `error` is or wraps a MaxBytesError (errors.As in handleContextError). */
export function wrapsBodyTooLarge(error: AppError | BodyTooLarge | undefined): boolean {
  if (error === undefined) return false;
  if (error instanceof BodyTooLarge) return true;
  return wrapsBodyTooLarge(error.wrapped);
}

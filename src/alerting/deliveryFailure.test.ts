import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deliveryFailures, describeFailure, explainAnswer, retriedDeliveries } from "./deliveryFailure.js";

// Lines as Alertmanager 0.25 writes them (dispatch/dispatch.go, notify/notify.go).
const LOCKED =
  'ts=2024-05-01T10:00:02.345Z caller=dispatch.go:352 level=error component=dispatcher msg="Notify for alerts failed" num_alerts=1 err="mattermost-critical/slack[0]: notify retry canceled due to unrecoverable error after 1 attempts: channel \\"ops-critical\\": unexpected status code 403: {\\"id\\":\\"web.incoming_webhook.channel_locked.app_error\\",\\"message\\":\\"This webhook is not permitted to post to the requested channel cops0000000000000000000000\\",\\"detailed_error\\":\\"\\",\\"request_id\\":\\"abcdefghijklmnopqrstuvwxyz\\",\\"status_code\\":403}"';
const RETRY =
  'ts=2024-05-01T10:01:00.000Z caller=notify.go:732 level=warn component=dispatcher receiver=mattermost-warning integration=slack[0] msg="Notify attempt failed, will retry later" attempts=1 err="channel \\"ops\\": unexpected status code 500: {\\"id\\":\\"api.post.create_webhook_post.creating.app_error\\",\\"status_code\\":500}"';
const RETRIED =
  'ts=2024-05-01T10:01:05.000Z caller=notify.go:744 level=info component=dispatcher receiver=mattermost-warning integration=slack[0] msg="Notify success" attempts=2';

describe("delivery failures from Alertmanager's log", () => {
  it("names the receiver, integration and Mattermost's answer, with ids that may be the hook's own hidden", () => {
    const [failure] = deliveryFailures(
      `level=info msg="Completed loading of configuration file"\n${LOCKED}\n`,
    );
    assert.equal(failure?.receiver, "mattermost-critical");
    assert.equal(failure?.integration, "slack[0]");
    assert.equal(failure?.status, 403);
    assert.equal(failure?.final, true);
    assert.equal(failure?.time?.toISOString(), "2024-05-01T10:00:02.345Z");
    assert.doesNotMatch(failure?.body ?? "", /abcdefghijklmnopqrstuvwxyz|cops0000/);
    assert.match(
      describeFailure(failure),
      /^mattermost-critical: Mattermost answered 403 \{"id":"web\.incoming_webhook\.channel_locked\.app_error".*: the webhook may not post to this channel/,
    );
  });

  it("reads retried 5xx answers, and a later success of the same receiver", () => {
    const [failure] = deliveryFailures(RETRY);
    assert.deepEqual(
      [failure?.receiver, failure?.status, failure?.final],
      ["mattermost-warning", 500, false],
    );
    assert.equal(
      retriedDeliveries(`${RETRY}\n${RETRIED}`).get("mattermost-warning")?.toISOString(),
      "2024-05-01T10:01:05.000Z",
    );
  });

  it("says what each answer means and what to change", () => {
    assert.match(
      explainAnswer(400, '{"id":"web.incoming_webhook.invalid.app_error"}'),
      /deleted or its URL is wrong/,
    );
    assert.match(explainAnswer(404), /name in the channel's URL/);
    assert.match(explainAnswer(413), /MaximumPayloadSizeBytes/);
    assert.match(explainAnswer(501), /Enable Incoming Webhooks/);
    assert.match(explainAnswer(500), /archived/);
  });
});

// The Mattermost stand-in answers as Mattermost's server does. Each case names the upstream
// file (mattermost/mattermost) whose behaviour it checks; see test/helpers/mattermost.ts.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { DEFAULT_HOOK, startMattermost, type Post, type TestMattermost } from "../helpers/mattermost.js";

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly text: string;
  readonly error?: { id: string; message: string; status_code: number };
}

describe("the Mattermost stand-in", () => {
  let mattermost: TestMattermost;
  const LOCKED = "locked0hook0for0ops0000000";

  before(async () => {
    mattermost = await startMattermost({
      channels: [
        "ops",
        { name: "secret", private: true, members: ["alice"] },
        { name: "archive", archived: true },
        { name: "crowd", members: ["alertbot", "alice", "bob"] },
      ],
      hooks: [DEFAULT_HOOK, { id: LOCKED, channel: "ops", locked: true }],
    });
  });
  after(() => mattermost?.close());
  beforeEach(() => {
    mattermost.configure({
      enableIncomingWebhooks: true,
      enablePostUsernameOverride: false,
      enablePostIconOverride: false,
      maxNotificationsPerChannel: 1000,
    });
    mattermost.restoreHook(DEFAULT_HOOK);
    mattermost.posts.length = 0;
  });

  const post = async (
    body: string | object,
    options: { hook?: string; type?: string; query?: string } = {},
  ) => {
    const response = await fetch(`${mattermost.hookUrl(options.hook)}${options.query ?? ""}`, {
      method: "POST",
      headers: { "content-type": options.type ?? "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    const type = response.headers.get("content-type") ?? "";
    return {
      status: response.status,
      type,
      text,
      ...(type.includes("json") ? { error: JSON.parse(text) as Answer["error"] } : {}),
    } as Answer;
  };
  const only = (): Post => {
    assert.equal(mattermost.posts.length, 1, JSON.stringify(mattermost.posts.map((p) => p.text)));
    return mattermost.posts[0] as Post;
  };

  describe("requests (web/webhook.go, model/incoming_webhook.go)", () => {
    it("answers a JSON post with 200 ok as text/plain and posts to the hook's channel", async () => {
      const answer = await post({ text: "hello" });
      assert.deepEqual([answer.status, answer.type, answer.text], [200, "text/plain", "ok"]);
      assert.equal(only().channel, "town-square");
    });

    it("takes a form body's payload field and a multipart body's fields", async () => {
      const form = await post(`payload=${encodeURIComponent('{"text":"from a form"}')}`, {
        type: "application/x-www-form-urlencoded",
      });
      assert.equal(form.status, 200);
      const multipart = new FormData();
      multipart.set("text", "from multipart");
      const response = await fetch(mattermost.hookUrl(), { method: "POST", body: multipart });
      assert.equal(response.status, 200);
      assert.deepEqual(
        mattermost.posts.map((p) => p.text),
        ["from a form", "from multipart"],
      );
    });

    it("refuses a multipart key gorilla/schema cannot place (channel; the field is ChannelName)", async () => {
      const multipart = new FormData();
      multipart.set("text", "x");
      multipart.set("channel", "ops");
      const response = await fetch(mattermost.hookUrl(), { method: "POST", body: multipart });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { id: string }).id, "web.incoming_webhook.decode.app_error");
    });

    it("reads JSON as Go does: keys in any case, only the first value, raw newlines in text", async () => {
      assert.equal((await post('{"TEXT":"upper"}')).status, 200);
      assert.equal((await post('{"text":"first"} trailing garbage')).status, 200);
      assert.equal((await post('{"text":"two\nlines"}')).status, 200);
      assert.deepEqual(
        mattermost.posts.map((p) => p.text),
        ["upper", "first", "two\nlines"],
      );
      const wrongType = await post({ text: 5 });
      assert.equal(wrongType.status, 400);
      assert.equal(wrongType.error?.id, "web.incoming_webhook.decode.app_error");
    });

    it("refuses a request without text or attachments with 400, [] and [null] included, and does not crash", async () => {
      for (const body of [{}, { attachments: [] }, { attachments: [null] }, "null"]) {
        const answer = await post(body);
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.equal(answer.error?.status_code, 400);
      }
      assert.equal((await post({ text: "still up" })).status, 200);
    });

    it("refuses a body past MaximumPayloadSizeBytes + 512 with 413 (web/handlers.go)", async () => {
      const text = "x".repeat(300_512);
      const answer = await post({ text });
      assert.equal(answer.status, 413);
      assert.equal(answer.error?.id, "api.context.request_body_too_large.app_error");
      mattermost.configure({ maximumPayloadSizeBytes: 400_000 });
      assert.equal((await post({ text })).status, 200);
      mattermost.configure({ maximumPayloadSizeBytes: 300_000 });
    });

    it("refuses a malformed Content-Type or query with 400 (net/http ParseForm)", async () => {
      assert.equal((await post({ text: "x" }, { type: "json" })).status, 400);
      assert.equal((await post({ text: "x" }, { query: "?a=%zz" })).status, 400);
      assert.equal(mattermost.posts.length, 0);
    });

    it("answers 404 off the hook route and 405 to a GET", async () => {
      assert.equal((await fetch(`${mattermost.url}/hooks/not-an-id`, { method: "POST" })).status, 404);
      assert.equal((await fetch(mattermost.hookUrl())).status, 405);
    });
  });

  describe("hooks and channels (app/webhook.go HandleIncomingWebhook)", () => {
    it("refuses an unknown or deleted hook with 400 and answers 501 while webhooks are disabled", async () => {
      assert.equal((await post({ text: "x" }, { hook: "unknown0hook0000000000000a" })).status, 400);
      mattermost.deleteHook(DEFAULT_HOOK);
      const deleted = await post({ text: "x" });
      assert.equal(deleted.status, 400);
      assert.equal(deleted.error?.id, "web.incoming_webhook.general.app_error");
      mattermost.restoreHook(DEFAULT_HOOK);
      mattermost.configure({ enableIncomingWebhooks: false });
      assert.equal((await post({ text: "x" })).status, 501);
      assert.equal(mattermost.posts.length, 0);
    });

    it("takes channel as name, #name, @user (a direct message) or empty (the hook's own)", async () => {
      for (const channel of ["ops", "#ops", "@alice", ""])
        assert.equal((await post({ text: "x", channel })).status, 200);
      assert.deepEqual(
        mattermost.posts.map((p) => p.channel),
        ["ops", "ops", "@alice", "town-square"],
      );
      assert.deepEqual(mattermost.posts[2]?.notified.users, ["alertbot", "alice"]);
      assert.equal((await post({ text: "x", channel: "nowhere" })).status, 404);
      assert.equal((await post({ text: "x", channel: "@nobody" })).status, 400);
    });

    it("refuses a locked hook elsewhere (403), a private channel its creator is not in (403), an archived one (500)", async () => {
      assert.equal((await post({ text: "x" }, { hook: LOCKED })).status, 200);
      assert.equal((await post({ text: "x", channel: "town-square" }, { hook: LOCKED })).status, 403);
      assert.equal((await post({ text: "x", channel: "secret" })).status, 403);
      assert.equal((await post({ text: "x", channel: "archive" })).status, 500);
      assert.equal(only().channel, "ops");
    });

    it("drops the name and icon a request sends unless the overrides are on (model/config.go defaults)", async () => {
      await post({ text: "x", username: "stackmon", icon_url: "https://example.com/i.png" });
      assert.equal(only().username, "alertbot");
      assert.equal(only().iconUrl, undefined);
      mattermost.configure({ enablePostUsernameOverride: true, enablePostIconOverride: true });
      await post({ text: "y", username: "stackmon", icon_url: "https://example.com/i.png" });
      await post({ text: "z" });
      assert.deepEqual(
        mattermost.posts.map((p) => [p.username, p.iconUrl]),
        [
          ["alertbot", undefined],
          ["stackmon", "https://example.com/i.png"],
          ["webhook", undefined],
        ],
      );
    });

    it("splits long text by runes, not UTF-16 units, with the attachments on the last post", async () => {
      const text = "🔥".repeat(16_383) + "x".repeat(10);
      await post({ text, attachments: [{ title: "t", text: "body" }] });
      assert.deepEqual(
        mattermost.posts.map((p) => [[...p.text].length, p.attachments.length]),
        [
          [16_383, 0],
          [10, 1],
        ],
      );
    });
  });

  describe("who is notified (app/notification.go)", () => {
    const notified = async (body: object, channel = "ops") => {
      mattermost.posts.length = 0;
      assert.equal((await post({ channel, ...body })).status, 200);
      return only().notified;
    };

    it("notifies the channel for @channel in the message, a pretext, an attachment's text or a field value", async () => {
      for (const body of [
        { text: "@channel disk full" },
        { attachments: [{ pretext: "@channel", text: "disk full" }] },
        { attachments: [{ text: "disk full @channel" }] },
        { attachments: [{ text: "x", fields: [{ title: "who", value: "@channel" }] }] },
        { text: "<!channel> disk full" },
      ]) {
        assert.deepEqual((await notified(body)).users, ["alertbot", "alice", "bob"], JSON.stringify(body));
      }
    });

    it("notifies nobody for @channel in a title, in code, or as Grafana's <!channel|channel>, which becomes a link", async () => {
      for (const body of [
        { attachments: [{ title: "@channel", text: "x" }] },
        { text: "`@channel` and\n```\n@channel\n```" },
        { attachments: [{ pretext: "<!channel|channel>", text: "x" }] },
      ]) {
        assert.deepEqual((await notified(body)).users, [], JSON.stringify(body));
      }
      assert.equal(only().attachments[0]?.pretext, "[channel](!channel)");
      assert.deepEqual(only().links, ["!channel"]);
    });

    it("reaches only online members with @here, and one user with @name; others are out of channel", async () => {
      assert.deepEqual((await notified({ text: "@here" })).users, ["alertbot", "alice"]);
      const named = await notified({ text: "@alice, and @zed." });
      assert.deepEqual(named.users, ["alice"]);
      assert.deepEqual(named.outOfChannel, ["zed"]);
    });

    it("refuses channel mentions to a creator without use_channel_mentions and in channels at MaxNotificationsPerChannel", async () => {
      mattermost.configure({ maxNotificationsPerChannel: 3 });
      const crowded = await notified({ text: "@all" }, "crowd");
      assert.deepEqual(crowded.users, []);
      assert.match(crowded.channelMentionRefused ?? "", /3 members, MaxNotificationsPerChannel is 3/);
      const restricted = await startMattermost({
        users: [{ username: "alertbot", mayMentionChannel: false }, { username: "alice" }],
      });
      try {
        await fetch(restricted.hookUrl(), { method: "POST", body: JSON.stringify({ text: "@channel" }) });
        assert.deepEqual(restricted.posts[0]?.notified.users, []);
        assert.match(
          restricted.posts[0]?.notified.channelMentionRefused ?? "",
          /may not use channel mentions/,
        );
      } finally {
        await restricted.close();
      }
    });
  });
});

// The Mattermost stand-in as a process of its own, run inside the lab's LAN namespace so the
// fleet's server reaches it at the controller's address. It prints its hook URL once listening
// and appends every post, as one JSON line, to the file it is given: the test reads the posts
// there (it cannot reach the LAN itself).
import { appendFileSync } from "node:fs";
import { startMattermost } from "../../helpers/mattermost.js";

const [listenHost, postsFile, ...channels] = process.argv.slice(2);
if (!listenHost || !postsFile) throw new Error("usage: mattermostInLan.ts HOST POSTS_FILE [CHANNEL...]");

const mattermost = await startMattermost({ channels, listenHost });
let written = 0;
setInterval(() => {
  for (const post of mattermost.posts.slice(written)) appendFileSync(postsFile, `${JSON.stringify(post)}\n`);
  written = mattermost.posts.length;
}, 200);
console.log(mattermost.hookUrl());
process.on("SIGTERM", () => {
  void mattermost.close().then(() => process.exit(0));
});

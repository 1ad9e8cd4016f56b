// What the fleet suites share once their lab is up: stackmon run as the controller runs it, and
// the Mattermost test server inside the lab's LAN with the posts it kept.
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CommandResult } from "../../../src/host/host.js";
import type { Post } from "../../helpers/mattermost.js";
import { REPO_ROOT } from "../../helpers/stackmon.js";
import type { FleetLab } from "./fleetLab.js";

/** stackmon built into `controller`, run inside the LAN namespace on `config`. */
export function labStackmon(
  lab: FleetLab,
  paths: { readonly controller: string; readonly config: string; readonly state: string },
): (...args: string[]) => Promise<CommandResult> {
  return (...args) =>
    lab.lanExec(
      process.execPath,
      [
        join(paths.controller, "dist/cli/main.js"),
        ...args,
        "-c",
        paths.config,
        "--state",
        paths.state,
        "--ssh-config",
        lab.sshConfig,
      ],
      { timeoutMs: 900_000 },
    );
}

/** A post's headline: its attachment's title, else its text's first line. */
export function postTitle(post: Post): string {
  return post.attachments[0]?.title ?? post.text.split("\n")[0] ?? "";
}

/** The Mattermost test server listening on `address` in the lab, keeping posts in a file. */
export class LabMattermost {
  private constructor(
    readonly hookUrl: string,
    private readonly postsFile: string,
    private readonly server: ChildProcess,
  ) {}

  static async start(
    lab: FleetLab,
    options: { readonly address: string; readonly postsFile: string; readonly channels: readonly string[] },
  ): Promise<LabMattermost> {
    const server = lab.lanSpawn(process.execPath, [
      "--import",
      import.meta.resolve("tsx"),
      join(REPO_ROOT, "test/e2e/fleet/mattermostInLan.ts"),
      options.address,
      options.postsFile,
      ...options.channels,
    ]);
    // Its first line on stdout is the hook's URL.
    const hookUrl = await new Promise<string>((resolve, reject) => {
      let out = "";
      server.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split("\n")[0];
        if (out.includes("\n") && line) resolve(line.trim());
      });
      server.once("exit", (code) => reject(new Error(`the Mattermost stand-in exited (${code})`)));
    });
    return new LabMattermost(hookUrl, options.postsFile, server);
  }

  posts(): Post[] {
    return existsSync(this.postsFile)
      ? readFileSync(this.postsFile, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Post)
      : [];
  }

  /** The first post from index `since` on that matches. */
  async waitForPost(predicate: (post: Post) => boolean, since = 0, timeoutMs = 150_000): Promise<Post> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.posts().slice(since).find(predicate);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `no such post within ${timeoutMs} ms; posts: ${this.posts().map(postTitle).join(" | ")}`,
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  stop(): void {
    this.server.kill();
  }
}

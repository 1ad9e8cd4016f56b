// A directory standing in for / (`apply --root DIR`): the files as they would be laid out, for
// review. No packages, users or services are touched, and ownership is left to whoever reviews.
import { resolve } from "node:path";
import { httpGet } from "../verify/httpProbe.js";
import { DiskFiles } from "./diskFiles.js";
import type { Host } from "./host.js";
import { localCommands } from "./runCommand.js";

export function rootDirHost(dir: string): Host {
  const root = resolve(dir);
  return {
    description: `directory ${root}`,
    files: new DiskFiles(root, false),
    // Validators and binaries are this machine's own, outside DIR.
    commands: localCommands,
    http: httpGet,
  };
}

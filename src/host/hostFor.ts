// The host a command works on: this machine (as root), or a directory standing in for / (--root).
import { UserError } from "../config/configError.js";
import type { Host } from "./host.js";
import { localHost } from "./localHost.js";
import { rootDirHost } from "./rootDirHost.js";

export async function hostFor(root: string | undefined): Promise<Host> {
  if (root !== undefined) return rootDirHost(root);
  if (process.getuid?.() !== 0) {
    throw new UserError("this reads and changes system files, packages and services: run it as root", {
      hint: "sudo stackmon ..., or --root DIR to lay the files out in a directory",
    });
  }
  return localHost();
}

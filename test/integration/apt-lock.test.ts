// This machine's apt through the shared host code: an install waits while another process holds
// one of apt's locks (here the archive cache's, which apt's own DPkg::Lock::Timeout ignores)
// and goes on once it is free, instead of failing at once.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { localHost } from "../../src/host/localHost.js";

// apt locks with fcntl(F_SETLK); Debian's python3 holds such a lock in a few lines.
const HOLD_LOCK = `
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o640)
fcntl.lockf(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
`;

const usable = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get") && existsSync("/usr/bin/python3");

describe(
  "apt waits for a lock another process holds",
  { skip: !usable && "needs root, apt-get and python3" },
  () => {
    it("installs (an installed package: nothing to download) once the lock holder is gone", async () => {
      const holder = spawn("/usr/bin/python3", ["-c", HOLD_LOCK, "/var/cache/apt/archives/lock", "3"]);
      await new Promise<void>((resolve, reject) => {
        holder.stdout.once("data", () => resolve());
        holder.once("exit", (code) => reject(new Error(`the lock holder exited early (${code})`)));
      });
      let holderGone = false;
      holder.once("exit", () => (holderGone = true));
      const host = await localHost();
      assert.equal(host.packages?.manager, "apt");
      await host.packages.install(["prometheus"]);
      assert.equal(holderGone, true, "apt finished only after the holder let go of the lock");
    });
  },
);

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { acquirePidLock } from "./pidLock.js";

const dir = mkdtempSync(join(tmpdir(), "stackmon-pidlock-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const held = { message: (pid: number) => `busy (pid ${pid})`, hint: "wait" };

/** A pid no process has: one that just exited. */
function deadPid(): number {
  return Number(spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim());
}

describe("pid lock", () => {
  it("is taken, refused to another holder while held, and released", () => {
    const path = join(dir, "a", "apply.lock");
    const release = acquirePidLock(path, held);
    assert.equal(readFileSync(path, "utf8"), `${process.pid}\n`);
    // A live process that is not us: our parent (the test runner).
    writeFileSync(path, `${process.ppid}\n`);
    assert.throws(() => acquirePidLock(path, held), new RegExp(`busy \\(pid ${process.ppid}\\)`));
    writeFileSync(path, `${process.pid}\n`);
    release();
    assert.equal(existsSync(path), false);
  });

  it("takes over a lock whose holder is gone", () => {
    const path = join(dir, "stale.lock");
    writeFileSync(path, `${deadPid()}\n`);
    const release = acquirePidLock(path, held);
    assert.equal(readFileSync(path, "utf8"), `${process.pid}\n`);
    release();
  });

  it("a release does not remove a lock someone else has taken since", () => {
    const path = join(dir, "taken.lock");
    const release = acquirePidLock(path, held);
    writeFileSync(path, `${process.ppid}\n`);
    release();
    assert.equal(readFileSync(path, "utf8"), `${process.ppid}\n`);
  });
});

// ShellFiles' scripts against this machine's own sh and coreutils, in a scratch directory: the
// same scripts a remote host runs (the e2e suite runs them over SSH on booted Debian hosts).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { UserError } from "../../config/configError.js";
import { runCommandRaw, type RawCommandRunner, type RawRunOptions } from "../runCommand.js";
import { parseStat, ShellFiles } from "./shellFiles.js";

const asRoot = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), "stackmon-shell-files-"));
after(() => rmSync(work, { recursive: true, force: true }));

interface Call {
  readonly args: readonly string[];
  readonly input: RawRunOptions["input"];
}

/** This machine as the runner, recording what each command got in argv and on stdin. */
function localRunner(calls: Call[] = []): RawCommandRunner {
  return (program, args, options = {}) => {
    calls.push({ args: [program, ...args], input: options.input });
    return runCommandRaw(program, args, options);
  };
}

const me = {
  owner: asRoot ? "root" : String(process.getuid?.()),
  group: asRoot ? "root" : String(process.getgid?.()),
};

describe("files through shell commands", () => {
  const files = new ShellFiles(localRunner(), "web1", join(work, "staging"));

  it("reads back every byte value exactly; a missing file is undefined", async () => {
    const binary = Buffer.concat([
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      randomBytes(70_000),
    ]);
    await files.write(join(work, "binary"), binary, { ...me, mode: 0o600 });
    assert.deepEqual(await files.read(join(work, "binary")), binary);
    assert.deepEqual(readFileSync(join(work, "binary")), binary);
    assert.equal(await files.read(join(work, "absent")), undefined);
    assert.equal(await files.stat(join(work, "absent")), undefined);
  });

  it(
    "writes with the mode and owner asked for, creating missing parents",
    { skip: !asRoot && "needs root" },
    async () => {
      const path = join(work, "new/dir/file.yml");
      await files.write(path, "a: 1\n", { mode: 0o640, owner: "nobody", group: "nogroup" });
      assert.deepEqual(await files.stat(path), {
        kind: "file",
        mode: 0o640,
        owner: "nobody",
        group: "nogroup",
      });
      assert.equal(lstatSync(path).mode & 0o7777, 0o640);
      assert.equal(readFileSync(path, "utf8"), "a: 1\n");
    },
  );

  it("the content travels on stdin, never in a command's arguments", async () => {
    const calls: Call[] = [];
    const secret = "s3cret-$(id)-'quoted'";
    await new ShellFiles(localRunner(calls), "web1").write(join(work, "secret"), secret, {
      ...me,
      mode: 0o600,
    });
    assert.equal(calls.length, 1);
    assert.ok(!calls[0]?.args.some((arg) => arg.includes("s3cret")), "not in argv");
    assert.equal(calls[0]?.input, secret);
    assert.equal(readFileSync(join(work, "secret"), "utf8"), secret);
  });

  it(
    "a write that fails leaves the old content and no temporary file",
    { skip: !asRoot && "needs root" },
    async () => {
      const dir = join(work, "atomic");
      const path = join(dir, "config.yml");
      await files.write(path, "old\n", { mode: 0o644, owner: "root", group: "root" });
      await assert.rejects(
        files.write(path, "new\n", { mode: 0o644, owner: "no-such-user", group: "root" }),
        (error: unknown) =>
          error instanceof UserError &&
          error.message.startsWith(`web1: cannot write ${path}: `) &&
          /no-such-user/.test(error.message),
      );
      assert.equal(readFileSync(path, "utf8"), "old\n");
      assert.deepEqual(readdirSync(dir), ["config.yml"]);
    },
  );

  it("replaces a file in place of a symlink, refuses to replace a directory", async () => {
    const dir = join(work, "kinds");
    mkdirSync(join(dir, "sub"), { recursive: true });
    writeFileSync(join(dir, "target"), "target\n");
    symlinkSync(join(dir, "target"), join(dir, "link"));
    assert.equal((await files.stat(join(dir, "link")))?.kind, "symlink");
    assert.equal((await files.stat(join(dir, "sub")))?.kind, "directory");
    await files.write(join(dir, "link"), "file now\n", { ...me, mode: 0o644 });
    assert.equal((await files.stat(join(dir, "link")))?.kind, "file");
    assert.equal(readFileSync(join(dir, "target"), "utf8"), "target\n", "the symlink's target is untouched");
    await assert.rejects(files.write(join(dir, "sub"), "x", { ...me, mode: 0o644 }), /is a directory/);
    assert.equal((await files.stat(join(dir, "sub")))?.kind, "directory");
  });

  it("directories: created with their mode from the start, corrected when they exist", async () => {
    const path = join(work, "private/secrets");
    await files.ensureDirectory(path, { ...me, mode: 0o700 });
    assert.equal(lstatSync(path).mode & 0o7777, 0o700);
    await files.ensureDirectory(path, { ...me, mode: 0o750 });
    assert.deepEqual(await files.stat(path), { kind: "directory", mode: 0o750, ...me });
    await files.setOwnership(path, { ...me, mode: 0o711 });
    assert.equal(lstatSync(path).mode & 0o7777, 0o711);
  });

  it("removes files and trees; removing what is absent is no error", async () => {
    const path = join(work, "gone/a/b");
    await files.write(path, "x", { ...me, mode: 0o644 });
    await files.remove(path);
    assert.equal(await files.stat(path), undefined);
    await files.remove(path);
    await files.removeTree(join(work, "gone"));
    assert.equal(await files.stat(join(work, "gone")), undefined);
  });

  it("staging directories are private, and ones a killed run left a day ago are removed", async () => {
    const base = join(work, "staging");
    mkdirSync(join(base, "run-old"), { recursive: true });
    const yesterday = Date.now() / 1000 - 2 * 86_400;
    utimesSync(join(base, "run-old"), yesterday, yesterday);
    mkdirSync(join(base, "run-recent"));
    const staging = await files.makeStagingDirectory();
    assert.ok(staging.startsWith(`${base}/run-`), staging);
    assert.equal(lstatSync(staging).mode & 0o7777, 0o700);
    assert.equal(lstatSync(base).mode & 0o7777, 0o700);
    assert.deepEqual(readdirSync(base).sort(), ["run-recent", staging.slice(base.length + 1)].sort());
  });

  it("a relative path is a programming error, not a command", async () => {
    await assert.rejects(files.read("etc/passwd"), /not an absolute path/);
  });
});

describe("stat output", () => {
  it("kinds, mode bits and owners; ids when a name is unknown", () => {
    const cases: [string, string, number, string, string][] = [
      ["81a0 0 4 root adm\n", "file", 0o640, "root", "adm"],
      ["41c0 65534 65534 nobody nogroup", "directory", 0o700, "nobody", "nogroup"],
      ["a1ff 0 0 root root", "symlink", 0o777, "root", "root"],
      ["89ed 1234 1234 UNKNOWN UNKNOWN", "file", 0o4755, "1234", "1234"],
    ];
    for (const [line, kind, mode, owner, group] of cases)
      assert.deepEqual(parseStat(line), { kind, mode, owner, group }, line);
    assert.equal(parseStat("1180 0 0 root root").kind, "other");
    assert.throws(() => parseStat("stat: cannot stat"), /unexpected stat output/);
  });
});

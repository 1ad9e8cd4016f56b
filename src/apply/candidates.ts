// Candidate files are checked by the real tools before any of them goes live: the whole tree is
// laid out in a private staging directory, rendered so that its files point at each other
// there, and each validator runs in order (rule files before the Prometheus config that loads
// them).
import type { Host } from "../host/host.js";
import type { DesiredState } from "../render/desiredState.js";
import { resolvedText, type SecretReader } from "../render/fileContent.js";

export interface CandidateFailure {
  readonly path: string;
  readonly tool: string;
  readonly output: string;
}

export interface CandidateCheck {
  readonly host: Host;
  /** The stack rendered with paths inside files under `stagingRoot`. */
  readonly staged: (stagingRoot: string) => DesiredState;
  /** Binary name → path of the program on the host. */
  readonly executables: Readonly<Record<string, string>>;
  readonly readSecret: SecretReader;
}

export async function checkCandidates(check: CandidateCheck): Promise<CandidateFailure[]> {
  const { host } = check;
  const staging = await host.files.makeStagingDirectory();
  try {
    const root = host.files.commandPath(staging);
    const state = check.staged(root);
    for (const file of state.files) {
      // bcrypt parts reuse the live file's hash, as the live write will.
      const live = (await host.files.read(file.path))?.toString("utf8");
      const text = resolvedText(file.content, check.readSecret, live);
      await host.files.write(`${staging}${file.path}`, text, { mode: 0o600, owner: "root", group: "root" });
    }
    const validated = state.files
      .filter((f) => f.validate !== undefined)
      .sort((a, b) => (a.validate?.order ?? 0) - (b.validate?.order ?? 0) || a.path.localeCompare(b.path));
    const failures: CandidateFailure[] = [];
    for (const file of validated) {
      const spec = file.validate;
      if (!spec) continue;
      const program = check.executables[spec.binary.name] ?? spec.binary.paths[0] ?? spec.binary.name;
      const args = spec.args.map((arg) =>
        arg.replaceAll("{file}", host.files.commandPath(`${staging}${file.path}`)).replaceAll("{root}", root),
      );
      const result = await host.commands.run(program, args, { timeoutMs: 60_000 });
      if (result.status !== 0) {
        const output = `${result.stdout}${result.stderr}`.trim().replaceAll(root, "");
        failures.push({ path: file.path, tool: spec.binary.name, output });
      }
    }
    return failures;
  } finally {
    await host.files.removeTree(staging);
  }
}

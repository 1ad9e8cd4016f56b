// The desired state for one particular host: rendered with where that host's binaries are (a
// package's path or a release tarball's), plus launchers for stackmon's own exporters.
import type { RenderTarget } from "../components/component.js";
import { UserError } from "../config/configError.js";
import { resolveBinary, type ResolvedBinary } from "../host/binaries.js";
import type { Host } from "../host/host.js";
import type { BinarySpec, DesiredState, FileSpec } from "../render/desiredState.js";
import type { HostFacts } from "../render/render.js";
import {
  binariesOf,
  binarySources,
  executablesOf,
  type BinarySource,
  type SourceOptions,
} from "./binarySources.js";

export interface HostStack {
  readonly desired: DesiredState;
  readonly binaries: readonly BinarySpec[];
  readonly sources: ReadonlyMap<string, BinarySource>;
  /** The same state with paths inside files under `root` (candidates in a staging directory). */
  renderAt(root: string): DesiredState;
}

export interface HostStackOptions extends SourceOptions {
  /** How stackmon runs its own program (default: this installation of stackmon). */
  readonly stackmonProgram?: (spec: BinarySpec) => ResolvedBinary | undefined;
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A script at the binary's path that runs stackmon's own entry point with this Node.js. */
export function launcherFile(
  spec: BinarySpec,
  program: ResolvedBinary,
  services: readonly string[],
): FileSpec {
  const path = spec.paths[0];
  if (path === undefined) throw new Error(`binary ${spec.name} has no path`);
  const command = [program.command, ...program.prefixArgs].map(shellQuote).join(" ");
  return {
    path,
    content: `#!/bin/sh\n# Installed by stackmon: runs ${spec.name} from this stackmon installation.\nexec ${command} "$@"\n`,
    mode: 0o755,
    owner: "root",
    group: "root",
    consumers: services.map((service) => ({ service, onChange: "restart" as const })),
  };
}

/** One host's pure render, given where it lays files out and what is known of its binaries. */
export type StackRenderer = (target: RenderTarget, facts: HostFacts) => DesiredState;

export async function hostStack(
  renderStackFor: StackRenderer,
  host: Host,
  options: HostStackOptions,
): Promise<HostStack> {
  const draft = renderStackFor({ root: "", platform: "systemd" }, {});
  const binaries = binariesOf(draft);
  const sources = await binarySources(binaries, host, options);
  const facts = { executables: executablesOf(sources) };
  const rendered = renderStackFor({ root: "", platform: "systemd" }, facts);
  const program = options.stackmonProgram ?? ((spec: BinarySpec) => resolveBinary(spec));
  const launchers = binaries.flatMap((spec) => {
    if (spec.nodeEntry === undefined) return [];
    const resolved = program(spec);
    if (!resolved) {
      throw new UserError(
        `stackmon's own ${spec.name} (${spec.nodeEntry}) is missing from this installation`,
        {
          hint: "reinstall stackmon (install.sh) so that its dist/ is complete",
        },
      );
    }
    const users = rendered.services.filter((s) => s.binary.name === spec.name).map((s) => s.id);
    return [launcherFile(spec, resolved, users)];
  });
  const desired: DesiredState = {
    ...rendered,
    files: [...rendered.files, ...launchers].sort((a, b) => a.path.localeCompare(b.path)),
  };
  return {
    desired,
    binaries,
    sources,
    renderAt: (root) => renderStackFor({ root, platform: "systemd" }, facts),
  };
}

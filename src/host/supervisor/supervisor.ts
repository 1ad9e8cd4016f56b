// `stackmon up` without systemd or root: the rendered stack as supervised child processes in a
// work directory, started in dependency-free order, checked for readiness, stopped on request.
// An optional program that is not installed is left out of the stack; setup steps run first.
// Only the supervision of children is its own: installing, readiness and provisioning checks
// are the host code apply uses, on this machine.
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join, resolve } from "node:path";
import { UserError } from "../../config/configError.js";
import { reachableAddress } from "../../config/schemaParts.js";
import type { StackConfig } from "../../config/stackConfig.js";
import { PrometheusClient, type TargetHealth } from "../../lib/prometheusClient.js";
import type { BinarySpec, DesiredState, ServiceSpec } from "../../render/desiredState.js";
import { serviceAnswers } from "../../apply/readiness.js";
import type { RenderTarget } from "../../components/component.js";
import { components } from "../../components/registry.js";
import { acquirePidLock } from "../../lib/pidLock.js";
import { readSecret } from "../../lib/secrets.js";
import { render } from "../../render/render.js";
import { httpGet } from "../../verify/httpProbe.js";
import { installHint, resolveBinary, type ResolvedBinary } from "../binaries.js";
import type { HostPackages } from "../host.js";
import { provisioningInPlace, runProvisioningStep } from "../provisioning.js";
import { localCommands } from "../runCommand.js";
import { assertTreeValid } from "../validateTree.js";
import { ChildService } from "./childService.js";
import { writeWorkTree } from "./workDir.js";

export interface UpOptions {
  readonly config: StackConfig;
  readonly workDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Installs missing Debian packages (this machine's, as root); absent: only name them. */
  readonly packages?: HostPackages;
  readonly log: (message: string, fields?: Record<string, string | number>) => void;
  /** Aborted on Ctrl-C/SIGTERM: startup stops waiting and stops what it started. */
  readonly signal?: AbortSignal;
}

export interface RunningService {
  readonly spec: ServiceSpec;
  readonly url: string | undefined;
  readonly logFile: string;
  readonly child: ChildService;
}

export interface RunningStack {
  readonly workDir: string;
  readonly state: DesiredState;
  readonly services: readonly RunningService[];
  /** Base URL of Prometheus, when the stack has one. */
  readonly prometheusUrl: string | undefined;
  stop(): Promise<void>;
}

export async function startStack(options: UpOptions): Promise<RunningStack> {
  const workDir = resolve(options.workDir);
  const state = renderRunnable(options.config, { root: workDir, platform: "supervisor" }, options.log);
  const binaries = await resolveAllBinaries(state, options);
  const releaseLock = acquirePidLock(join(workDir, "up.pid"), {
    message: (pid) => `stackmon up is already running for ${workDir} (pid ${pid})`,
    hint: "stop it with Ctrl-C, or use another --dir",
  });
  try {
    writeWorkTree(workDir, state, options.env);
    await assertPortsFree(state);
    assertTreeValid(workDir, state);
    await provision(state, options);
  } catch (error) {
    releaseLock();
    throw error;
  }
  const services = state.services.map((spec) => startService(spec, workDir, binaries, options));
  const stop = async () => {
    await Promise.all(services.map((s) => s.child.stop()));
    releaseLock();
  };
  try {
    await Promise.all(services.map((s) => waitReady(s, READY_TIMEOUT_MS, options.signal)));
  } catch (error) {
    await stop();
    throw error;
  }
  const prometheusUrl = state.endpoints.find((e) => e.role === "prometheus")?.url;
  return { workDir, state, services, prometheusUrl, stop };
}

/**
 * Ports held by some other program make a child crash-loop; better to say so before starting.
 * Our own earlier `up` on this directory is excluded by the lock, so a busy port is a stranger.
 */
async function assertPortsFree(state: DesiredState): Promise<void> {
  const busy: string[] = [];
  for (const service of state.services) {
    if (service.listen && (await portOpen(service.listen.port))) {
      busy.push(`port ${service.listen.port} (${service.id}) is already in use by another program`);
    }
  }
  if (busy.length > 0) {
    throw new UserError(busy.join("\n"), {
      hint: "stop that program (a packaged service, e.g. `systemctl stop prometheus-node-exporter`) or pick other listen_address values",
    });
  }
}

/** A first start that creates a database and migrates it (Grafana's) can take a minute. */
const READY_TIMEOUT_MS = 90_000;

/**
 * The stack as this machine can run it: an optional service whose program is not installed is
 * left out together with its component, so that nothing else refers to it (no scrape job that
 * would only ever be down, no datasource, no dashboards of it).
 */
export function renderRunnable(
  config: StackConfig,
  target: RenderTarget,
  log: UpOptions["log"] = () => {},
): DesiredState {
  const state = render(config, target, components);
  const missing = state.services.filter((s) => s.optional === true && !resolveBinary(s.binary));
  if (missing.length === 0) return state;
  for (const service of missing) {
    log(`${service.id} is not installed; carrying on without it`, { hint: installHintFor(service, state) });
  }
  // A service's id is its component's id.
  const absent = new Set(missing.map((s) => s.id));
  return render(
    config,
    target,
    components.filter((c) => !absent.has(c.id)),
  );
}

/** How to install a program, with the vendor repository it comes from when it has one. */
function installHintFor(service: ServiceSpec, state: DesiredState): string {
  const apt = state.packages.find((p) => p.binary.name === service.binary.name)?.repository?.apt;
  const name = service.binary.packages.apt;
  if (!apt || !name) return installHint(service.binary);
  return (
    `add its apt repository (sudo install -d -m 0755 ${dirname(apt.keyPath)} && curl -fsSL ${apt.keyUrl} | sudo tee ${apt.keyPath} >/dev/null && ` +
    `echo '${apt.sourceLine}' | sudo tee ${apt.listPath}), then sudo apt-get update && sudo apt-get install ${name}; ` +
    "on a systemd host `stackmon apply` does all of it"
  );
}

/**
 * The setup steps apply runs (a generated password, a database user), each when its check says
 * it is not in place. A step that fails is reported and `up` carries on: the service that needed
 * it says why in its own log.
 */
async function provision(state: DesiredState, options: UpOptions): Promise<void> {
  for (const step of state.services.flatMap((s) => s.provisioning ?? [])) {
    if (await provisioningInPlace(localCommands, step)) continue;
    try {
      await runProvisioningStep(localCommands, step, (ref) => readSecret(ref, options.env));
      options.log("provisioned", { step: step.id, what: step.description });
    } catch (error) {
      options.log("provisioning step failed; carrying on", {
        step: step.id,
        error: error instanceof UserError ? error.message : String(error),
      });
    }
  }
}

async function resolveAllBinaries(
  state: DesiredState,
  options: UpOptions,
): Promise<Map<string, ResolvedBinary>> {
  const needed = new Map<string, BinarySpec>();
  for (const service of state.services) needed.set(service.binary.name, service.binary);
  for (const file of state.files)
    if (file.validate) needed.set(file.validate.binary.name, file.validate.binary);

  const missing = () => [...needed.values()].filter((spec) => !resolveBinary(spec));
  if (options.packages) await installMissingPackages(missing(), options.packages, options.log);
  const stillMissing = missing();
  if (stillMissing.length > 0) {
    const lines = stillMissing.map((spec) => `${spec.name} not found: ${installHint(spec)}`);
    throw new UserError(lines.join("\n"), { hint: "or run `stackmon up` as root to install them" });
  }
  return new Map([...needed].map(([name, spec]) => [name, resolveBinary(spec) as ResolvedBinary]));
}

/**
 * The Debian packages of the missing programs, installed as apply installs them: the packages'
 * own services held back (`up` runs its own copies, and a packaged exporter bound to its port
 * would be in the way), waiting for another apt run to finish.
 */
export async function installMissingPackages(
  missing: readonly BinarySpec[],
  packages: HostPackages,
  log: UpOptions["log"],
): Promise<void> {
  if (packages.manager !== "apt") return;
  const names = [
    ...new Set(missing.flatMap((spec) => (spec.packages.apt ? [spec.packages.apt] : []))),
  ].sort();
  if (names.length === 0) return;
  log("installing missing Debian packages", { packages: names.join(",") });
  await packages.refresh();
  await packages.install(names);
}

function startService(
  spec: ServiceSpec,
  workDir: string,
  binaries: Map<string, ResolvedBinary>,
  options: UpOptions,
): RunningService {
  const binary = binaries.get(spec.binary.name) as ResolvedBinary;
  const env: Record<string, string> = {};
  for (const key of ["PATH", "HOME", "LANG", "TZ"]) {
    const value = options.env[key];
    if (value !== undefined) env[key] = value;
  }
  Object.assign(env, spec.environment);
  if (spec.environmentFile)
    Object.assign(env, parseEnvFile(readFileSync(join(workDir, spec.environmentFile), "utf8")));
  const logFile = join(workDir, "logs", `${spec.id}.log`);
  const child = new ChildService({
    id: spec.id,
    binary,
    args: spec.args,
    env,
    logFile,
    onEvent: (event, fields) => options.log(event, fields),
  });
  child.start();
  const url = spec.listen ? `${spec.scheme}://${reachableAddress(spec.listen)}` : undefined;
  return { spec, url, logFile, child };
}

/** KEY=VALUE lines as systemd's EnvironmentFile reads them (comments and blanks skipped). */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match?.[1]) continue;
    const value = match[2] ?? "";
    const quoted = /^"(.*)"$/.exec(value);
    // Inside double quotes systemd unescapes \" \\ \` and \$ and keeps any other backslash.
    env[match[1]] = quoted ? (quoted[1] ?? "").replace(/\\(["\\`$])/g, "$1") : value;
  }
  return env;
}

async function waitReady(service: RunningService, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const { spec } = service;
  if (!spec.listen) return;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new UserError("interrupted while starting");
    if (await isReady(service)) return;
    await sleep(250);
  }
  throw new UserError(`${spec.id} did not become ready within ${timeoutMs / 1000}s`, {
    hint: `see its log: ${service.logFile}`,
  });
}

async function isReady(service: RunningService): Promise<boolean> {
  return (await serviceAnswers(httpGet, service.spec))?.answers ?? true;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.setTimeout(1000);
    socket.once("connect", () => (socket.destroy(), resolvePromise(true)));
    socket.once("error", () => resolvePromise(false));
    socket.once("timeout", () => (socket.destroy(), resolvePromise(false)));
  });
}

/** Polls Prometheus until every active target is up or the time runs out; returns the last view. */
export async function waitForTargets(prometheusUrl: string, timeoutMs: number): Promise<TargetHealth[]> {
  const client = new PrometheusClient(prometheusUrl);
  const deadline = Date.now() + timeoutMs;
  let targets: TargetHealth[] = [];
  while (Date.now() < deadline) {
    try {
      targets = await client.activeTargets();
      if (targets.length > 0 && targets.every((t) => t.health === "up")) return targets;
    } catch {
      // Not answering yet; keep polling.
    }
    await sleep(500);
  }
  return targets;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// The OpenSSH client's command lines. The user's own configuration (~/.ssh/config, agent,
// known_hosts, ProxyJump) decides how a host is reached; stackmon adds only what safety needs and,
// where that configuration says nothing, time limits so a dead host is noticed.
import { UserError } from "../../config/configError.js";

export interface SshTarget {
  /** The host's name in messages ("web1"). */
  readonly name: string;
  /** What ssh connects to: "admin@10.0.0.5", a Host of ~/.ssh/config, "ssh://root@db1:2222". */
  readonly destination: string;
  /** The port, when the inventory names one (else the user's configuration, else 22). */
  readonly port?: number;
  /** An OpenSSH client config to read instead of ~/.ssh/config (`ssh -F`). */
  readonly configFile?: string;
  /** A command the ssh client runs under, e.g. ["ip", "netns", "exec", "lan"]. */
  readonly wrapper?: readonly string[];
}

/** Options every ssh run gets, whatever the user's configuration says. */
export const ENFORCED_OPTIONS: readonly string[] = [
  // A password or passphrase question would hang an unattended run: fail instead.
  "BatchMode=yes",
  // An unknown or changed host key is refused, never accepted or replaced.
  "StrictHostKeyChecking=yes",
  // A managed host gets no way back to the controller: no agent, X11 or port forwarding.
  "ForwardAgent=no",
  "ForwardX11=no",
  "ClearAllForwardings=yes",
];

/** How long an idle shared connection outlives its last use (a killed run leaves none for long). */
const CONTROL_PERSIST_SECONDS = 120;

/** `ssh -G` output: one "keyword value" per line, keywords in lower case. */
export function parseEffectiveConfig(text: string): Map<string, string> {
  const config = new Map<string, string>();
  for (const line of text.split("\n")) {
    const at = line.indexOf(" ");
    if (at > 0 && !config.has(line.slice(0, at))) config.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return config;
}

/**
 * Time limits the user's configuration leaves unset: a host that does not answer within 15 s, or
 * stops answering for about 15 s, fails its run instead of hanging it.
 */
export function defaultTimeouts(effective: ReadonlyMap<string, string>): string[] {
  const options: string[] = [];
  if ((effective.get("connecttimeout") ?? "none") === "none") options.push("ConnectTimeout=15");
  if ((effective.get("serveraliveinterval") ?? "0") === "0")
    options.push("ServerAliveInterval=5", "ServerAliveCountMax=3");
  return options;
}

/** Refuses a destination that ssh would read as an option or that no host name could be. */
export function checkDestination(target: SshTarget): void {
  const destination = target.destination;
  // eslint-disable-next-line no-control-regex
  if (destination === "" || destination.startsWith("-") || /[\s\u0000-\u001f\u007f]/.test(destination)) {
    throw new UserError(`host ${target.name}: ${JSON.stringify(destination)} is not an SSH destination`, {
      hint: "user@host, host, or ssh://user@host:port",
    });
  }
}

function configAndPort(target: SshTarget): string[] {
  return [
    ...(target.configFile ? ["-F", target.configFile] : []),
    ...(target.port !== undefined ? ["-p", String(target.port)] : []),
  ];
}

function withOptions(options: readonly string[]): string[] {
  return options.flatMap((option) => ["-o", option]);
}

/** ControlPath expands %-tokens; a literal % in the directory must not be read as one. */
function controlPathOption(controlPath: string): string {
  return `ControlPath=${controlPath.replaceAll("%", "%%")}`;
}

/** The argv (after the wrapper) of each kind of ssh run for one host. */
export class SshCommandLines {
  private readonly common: string[];

  constructor(
    private readonly target: SshTarget,
    private readonly controlPath: string,
    private readonly timeouts: readonly string[],
  ) {
    this.common = this.options(ENFORCED_OPTIONS);
  }

  private options(enforced: readonly string[]): string[] {
    return [
      ...configAndPort(this.target),
      ...withOptions([...enforced, ...this.timeouts, controlPathOption(this.controlPath)]),
    ];
  }

  private wrapped(args: readonly string[]): string[] {
    return [...(this.target.wrapper ?? []), "ssh", ...args];
  }

  /** `ssh -G`: the configuration the user's files give this destination, without connecting. */
  static effectiveConfig(target: SshTarget): string[] {
    return [...(target.wrapper ?? []), "ssh", "-G", ...configAndPort(target), "--", target.destination];
  }

  /** Connects and authenticates, then stays in the background as the shared connection. */
  master(): string[] {
    return this.wrapped([
      ...this.common,
      ...withOptions(["ControlMaster=yes", `ControlPersist=${CONTROL_PERSIST_SECONDS}`]),
      "-N",
      "-f",
      "--",
      this.target.destination,
    ]);
  }

  /** Runs one remote command line over the shared connection. */
  command(remoteCommandLine: string): string[] {
    return this.wrapped([
      ...this.common,
      ...withOptions(["ControlMaster=no"]),
      "-T",
      "--",
      this.target.destination,
      remoteCommandLine,
    ]);
  }

  /**
   * Asks the shared connection to forward a Unix socket here (in the private directory: only
   * this user can connect) to host:port as seen from the remote host.
   */
  forward(socketPath: string, host: string, port: number): string[] {
    // ClearAllForwardings here would drop the very forwarding this asks for.
    const enforced = ENFORCED_OPTIONS.filter((option) => !option.startsWith("ClearAllForwardings="));
    const remote = host.includes(":") ? `[${host}]` : host;
    return this.wrapped([
      ...this.options(enforced),
      "-O",
      "forward",
      "-L",
      `${socketPath}:${remote}:${port}`,
      "--",
      this.target.destination,
    ]);
  }

  /** Asks the shared connection something: "check" (is it up?) or "exit". */
  control(request: "check" | "exit"): string[] {
    return this.wrapped([...this.common, "-O", request, "--", this.target.destination]);
  }
}

// What went wrong on the way to a host, from the OpenSSH client's own messages, said for people:
// the host named, the cause, and what to do. Pure, so every message is tested on real samples.
import { UserError } from "../../config/configError.js";

interface FailureRule {
  readonly pattern: RegExp;
  readonly message: (name: string, match: RegExpMatchArray, stderr: string) => string;
  readonly hint: (name: string, match: RegExpMatchArray) => string;
}

const LOST_HINT =
  "the host or the network went away while stackmon worked there; run again once it answers (apply is safe to repeat)";

const CONNECT_FAILURE =
  /connect to host (?<address>\S+) port (?<port>\d+): (?<reason>Connection refused|Connection timed out|No route to host|Network is unreachable)/;

/** "10.0.0.5 port 22: connection refused", from a CONNECT_FAILURE match. */
function connectFailure(match: RegExpMatchArray): string {
  const { address, port, reason } = match.groups ?? {};
  return `${address} port ${port}: ${reason?.toLowerCase()}`;
}

/** The address ssh names in its message, else the inventory name. */
function addressIn(match: RegExpMatchArray, name: string): string {
  return match.groups?.["address"] ?? name;
}

const RULES: readonly FailureRule[] = [
  {
    pattern: /REMOTE HOST IDENTIFICATION HAS CHANGED[\s\S]*?(?:Host key for (?<address>\S+) has changed|$)/,
    message: (name) =>
      `${name}: the host key has CHANGED since it was added to known_hosts; refusing to connect, nothing was changed there`,
    hint: (name, match) =>
      `if the host was reinstalled, check the new key's fingerprint with its administrator, then ` +
      `remove the old one (ssh-keygen -R ${addressIn(match, name)}) and add the new one; otherwise someone may be in the middle`,
  },
  {
    pattern: /No \S+ host key is known for (?<address>\S+)|Host key verification failed/,
    message: (name, match) =>
      `${name}: the host key of ${addressIn(match, name)} is not in known_hosts; refusing to connect, nothing was changed there`,
    hint: (name, match) =>
      `check the key's fingerprint with the host's administrator (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub there), ` +
      `then add it: ssh-keyscan -t ed25519 ${addressIn(match, name)} >> ~/.ssh/known_hosts, or connect once with ssh and answer yes`,
  },
  {
    pattern: /Permission denied \((?<methods>[^)]*)\)/,
    message: (name, match) =>
      `${name}: the SSH login was refused (the server accepts: ${match.groups?.["methods"] ?? "?"})`,
    hint: () =>
      "stackmon logs in with keys only (no password prompts): load the key into ssh-agent or name it with IdentityFile in ~/.ssh/config, and check the user",
  },
  {
    pattern: /Could not resolve hostname (?<address>[^:\s]+)/,
    message: (name, match) => `${name}: cannot resolve the host name ${addressIn(match, name)}`,
    hint: () => "check the host's ssh destination in stackmon.yml, or give it a HostName in ~/.ssh/config",
  },
  {
    // The shared connection died under a command (ssh then tries a connection of its own).
    pattern:
      /mux_client_\w+: read from master failed|Timeout, server \S+ not responding|client_loop: send disconnect|Broken pipe/,
    message: (name, _match, stderr) => {
      const reconnect = CONNECT_FAILURE.exec(stderr);
      return `${name}: lost the SSH connection${reconnect ? ` and cannot reconnect: ${connectFailure(reconnect)}` : ""}`;
    },
    hint: () => LOST_HINT,
  },
  {
    pattern: /kex_exchange_identification: (?<reason>.*)/,
    message: (name, match) => `${name}: the SSH server hung up before login (${match.groups?.["reason"]})`,
    hint: () => "sshd there may be refusing connections (MaxStartups, a firewall, TCP wrappers): see its log",
  },
  {
    pattern: CONNECT_FAILURE,
    message: (name, match) => `${name}: cannot reach ${connectFailure(match)}`,
    hint: () => "is the host up, sshd running there, and the address and port right?",
  },
  {
    pattern: /Connection (closed|reset) by|Control socket connect/,
    message: (name, match, stderr) => `${name}: lost the SSH connection (${lastLine(stderr, match[0])})`,
    hint: () => LOST_HINT,
  },
];

/** What ssh said last, around `fallback`: enough for a person to tell one failure from another. */
function lastLine(stderr: string, fallback: string): string {
  return (
    stderr
      .trim()
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean)
      .pop() ?? fallback
  ).slice(0, 200);
}

/** The connection failure ssh reports in `stderr`, or undefined when it reports none. */
export function sshFailure(name: string, stderr: string): UserError | undefined {
  for (const rule of RULES) {
    const match = stderr.match(rule.pattern);
    if (match) return new UserError(rule.message(name, match, stderr), { hint: rule.hint(name, match) });
  }
  return undefined;
}

/** The shared connection went away without ssh saying why (the command's own exit said 255). */
export function lostConnection(name: string, stderr: string): UserError {
  const said = stderr.trim().split("\n").slice(-3).join("; ");
  return new UserError(`${name}: lost the SSH connection${said ? ` (${said})` : ""}`, { hint: LOST_HINT });
}

/** sudo refused to run a command without a password (or at all). */
export function sudoRefusal(name: string, user: string, stderr: string): UserError | undefined {
  const refused =
    /^(sudo: .*(password is required|may not run sudo|is not in the sudoers)|Sorry, user .* is not allowed)/m;
  if (!refused.test(stderr)) return undefined;
  return new UserError(`${name}: ${user} may not run commands as root through sudo without a password`, {
    hint:
      `stackmon needs root there: log in as root, or give ${user} passwordless sudo, e.g. ` +
      `echo '${user} ALL=(root) NOPASSWD: ALL' > /etc/sudoers.d/stackmon (check it with visudo -c)`,
  });
}

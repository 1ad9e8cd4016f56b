// The desired state: plain, sorted data that the pure renderer produces and plan/apply/up consume.
// Nothing here does IO. Paths are absolute host paths ("/etc/prometheus/prometheus.yml"); where a
// file is laid out (/, --root DIR, a work directory) is decided by whoever writes it.

/** A reference to a secret. Secrets never appear inline in config or rendered files. */
export type SecretRef =
  | {
      readonly kind: "file";
      readonly path: string;
      readonly configKey: string;
      /** A PEM document (a certificate, a key): several lines, taken as it is. */
      readonly pem?: boolean;
    }
  | { readonly kind: "env"; readonly name: string; readonly configKey: string };

/**
 * Where a secret goes into a file: as it is, as a bcrypt hash (exporter web-config users), or as
 * a double-quoted value of an environment file (systemd's EnvironmentFile= syntax).
 * A bcrypt part is compared with bcrypt, not byte for byte, so re-apply stays a no-op.
 */
export interface SecretUse {
  readonly secret: SecretRef;
  readonly as: "raw" | "bcrypt" | "env-quoted";
  /**
   * For a secret stackmon generated itself (random, high entropy): a bcrypt cost of 4 loses
   * nothing against guessing and makes every comparison (plan, each scrape) 64 times cheaper.
   */
  readonly generated?: boolean;
}

/**
 * File content. Plain text, or a template whose secret parts are resolved at write time
 * (apply/up), so that render stays pure and plan can mask them.
 */
export type FileContent = string | { readonly template: readonly (string | SecretUse)[] };

export interface FileSpec {
  readonly path: string;
  readonly content: FileContent;
  /** e.g. 0o644; secret-bearing files are 0o640 (root:group) or 0o600. */
  readonly mode: number;
  readonly owner: string;
  readonly group: string;
  /** Which services read this file, and what they need when it changes. */
  readonly consumers: readonly FileConsumer[];
  /** Real-tool validation to run on the candidate before it goes live. */
  readonly validate?: ValidationSpec;
}

export interface FileConsumer {
  readonly service: string;
  readonly onChange: "reload" | "restart";
}

/**
 * A validation with a real tool. `{file}` in args is replaced by the candidate's path,
 * `{root}` by the directory the candidate tree is laid out in.
 */
export interface ValidationSpec {
  readonly binary: BinarySpec;
  readonly args: readonly string[];
  /** Lower runs first: rule files before the Prometheus config that loads them. */
  readonly order: number;
}

export interface DirectorySpec {
  readonly path: string;
  readonly mode: number;
  readonly owner: string;
  readonly group: string;
}

export interface UserSpec {
  readonly name: string;
  readonly group: string;
  /** Extra groups, e.g. systemd-journal; kept minimal. */
  readonly supplementaryGroups: readonly string[];
  /** false for users that already exist and must not be created (a PM2 owner). */
  readonly create: boolean;
}

/** How to get a binary: a distribution package or, failing that, an upstream release tarball. */
export interface BinarySpec {
  /** Name used in messages, e.g. "prometheus-node-exporter". */
  readonly name: string;
  /** Candidate absolute paths, first existing wins (distro path, then tarball path). */
  readonly paths: readonly string[];
  readonly packages: { readonly apt?: string; readonly dnf?: string };
  /** Minimum version we support; older packages fall back to the release tarball. */
  readonly minVersion?: string;
  readonly release?: ReleaseSpec;
  /** A Node.js entry point shipped with stackmon itself (our exporters). */
  readonly nodeEntry?: string;
}

export interface ReleaseSpec {
  /** GitHub-style release: https://github.com/<repo>/releases/download/v<version>/<asset> */
  readonly repo: string;
  readonly version: string;
  /** Asset name with {version} and {arch} placeholders. */
  readonly asset: string;
  /** Path of the binary inside the tarball, same placeholders. */
  readonly member: string;
  /**
   * The release's list of sha256 sums ("<hex>  <asset>" lines), same placeholders; the
   * Prometheus projects publish one sha256sums.txt (the default), others one per asset.
   */
  readonly checksums?: string;
  readonly installPath: string;
}

export type ReloadMethod =
  | { readonly kind: "signal"; readonly signal: "SIGHUP" }
  | {
      readonly kind: "http";
      readonly method: "POST";
      /** Requested in order; each must answer 2xx, or the service is restarted instead. */
      readonly paths: readonly string[];
      /** Basic auth as a user whose password is in a file on the host (Grafana's admin). */
      readonly basicAuth?: { readonly username: string; readonly passwordFile: string };
    }
  | { readonly kind: "restart" };

export interface Listen {
  readonly host: string;
  readonly port: number;
}

export interface Hardening {
  /** Capabilities kept in the bounding set and granted as ambient (e.g. CAP_NET_RAW for ICMP). */
  readonly capabilities: readonly string[];
  /** Node.js needs W^X off for its JIT. */
  readonly memoryDenyWriteExecute: boolean;
  /**
   * ProcSubset=pid: only process directories in /proc. The node exporter reads /proc widely, and
   * Go's process collector reads /proc/stat for process_start_time_seconds.
   */
  readonly procSubsetPid: boolean;
  /**
   * ProtectProc: "invisible" hides other users' processes. The node exporter needs "default" to
   * read PID 1's mount table (/proc/1/mounts); hidden, it falls back to its own sandbox's mounts,
   * which ProtectSystem makes read-only.
   */
  readonly protectProc: "invisible" | "default";
  /**
   * Reads the kernel's clock state with adjtimex (the node exporter's timex collector):
   * ProtectClock off and adjtimex allowed. Setting the clock still needs CAP_SYS_TIME, never granted.
   */
  readonly readsClock: boolean;
  /** AF_NETLINK sockets: the node exporter reads network device statistics over netlink. */
  readonly netlink: boolean;
  /** PrivateUsers=true: its own user namespace, so no capability over the host's users. */
  readonly privateUsers: boolean;
  /** Paths the service may write (its data directory). */
  readonly readWritePaths: readonly string[];
  /** Paths it may read beyond the defaults (e.g. a PM2_HOME). */
  readonly readOnlyPaths: readonly string[];
  /** ProtectHome=read-only instead of yes (PM2 exporter reads $HOME/.pm2). */
  readonly protectHome: "yes" | "read-only" | "tmpfs";
  /** Extra unit [Service] lines, sorted, for needs the fields above do not cover. */
  readonly extra: readonly string[];
}

export interface ServiceSpec {
  /** Stable id, the component's id: "prometheus", "node". */
  readonly id: string;
  /** systemd unit name, e.g. "prometheus-node-exporter.service". */
  readonly unit: string;
  readonly description: string;
  readonly user: string;
  readonly group: string;
  readonly binary: BinarySpec;
  readonly args: readonly string[];
  /** Non-secret environment. */
  readonly environment: Readonly<Record<string, string>>;
  /** Env file holding secrets (0640 root:group); also present in `files`. */
  readonly environmentFile?: string;
  readonly listen?: Listen;
  /** HTTP path that answers 200 once the service is ready. */
  readonly readinessPath?: string;
  /**
   * A path basic auth guards, which verify asks without credentials (401 proves auth is in force);
   * default /metrics. VictoriaMetrics 1.79 serves /metrics to anyone, so it names another.
   */
  readonly authProbePath?: string;
  /** Scheme and credentials needed to talk to it (TLS/basic auth when exposed). */
  readonly scheme: "http" | "https";
  readonly reload: ReloadMethod;
  readonly hardening: Hardening;
  /** Unit names this one must start after (e.g. mariadb.service). */
  readonly after: readonly string[];
  /**
   * `up` carries on without it (saying how to install it) when its binary is missing, for
   * programs that cannot come from the distribution's own packages (Grafana).
   */
  readonly optional?: boolean;
  /**
   * The package ships the unit (Grafana's grafana-server.service): stackmon keeps it and adds a
   * drop-in with the hardening, restart policy and environment file. `binary` and `args` are then
   * only what `up` runs.
   */
  readonly packagedUnit?: boolean;
  /** Setup outside files that must be in place before it starts (a database user). */
  readonly provisioning?: readonly ProvisioningStep[];
}

/**
 * A setup step outside the file tree, such as the exporter's own database user. `apply` runs it
 * after the files are live when its check fails or one of its input files changed; it must be
 * idempotent. Secrets reach it on stdin only.
 */
export interface ProvisioningStep {
  /** Stable id, e.g. "mysql-exporter-user". */
  readonly id: string;
  /** What it puts in place, for plan and progress lines. */
  readonly description: string;
  /** Files whose change makes the step due even when its check passes (a rotated password). */
  readonly inputs: readonly string[];
  /** Read-only: the step is in place when this exits 0 and its output matches `expect`. */
  readonly check: {
    readonly program: string;
    readonly args: readonly string[];
    /** A regular expression (JavaScript syntax) the output must match. */
    readonly expect?: string;
  };
  readonly run: {
    readonly program: string;
    readonly args: readonly string[];
    /** Fed on stdin. */
    readonly input: readonly (string | ProvisioningSecret)[];
  };
}

/** A secret inside a provisioning step's input, quoted for the language it is written in. */
export interface ProvisioningSecret {
  readonly secret: SecretRef;
  /** As a single-quoted SQL string literal (backslash escapes enabled). */
  readonly quote: "sql-string";
}

export interface ScrapeJob {
  readonly jobName: string;
  readonly scrapeInterval?: string;
  readonly scrapeTimeout?: string;
  readonly metricsPath?: string;
  readonly scheme?: "http" | "https";
  readonly params?: Readonly<Record<string, readonly string[]>>;
  readonly staticConfigs: readonly {
    readonly targets: readonly string[];
    readonly labels?: Readonly<Record<string, string>>;
  }[];
  /** Prometheus relabel_configs, as plain objects in Prometheus's own key names. */
  readonly relabelConfigs?: readonly Readonly<Record<string, unknown>>[];
  readonly basicAuth?: {
    readonly username: string;
    /** Prometheus's copy of the password, on the host. */
    readonly passwordFile: string;
    /** What that copy holds: Prometheus writes the copies of every job it scrapes. */
    readonly password?: SecretRef;
  };
  readonly tlsConfig?: Readonly<Record<string, unknown>>;
  /**
   * The certificate authority the endpoint's certificate is checked against, and the name it must
   * carry: a host of the fleet, scraped across the network.
   */
  readonly trust?: { readonly caFile: string; readonly ca: SecretRef; readonly serverName: string };
}

/** A vendor package repository to add before installing (Grafana's apt and rpm repositories). */
export interface PackageRepository {
  readonly apt?: {
    /** Where the vendor's signing key is fetched from and kept (/etc/apt/keyrings/...). */
    readonly keyUrl: string;
    readonly keyPath: string;
    /** The sources.list.d file and its one line, with signed-by pointing at keyPath. */
    readonly listPath: string;
    readonly sourceLine: string;
  };
  readonly dnf?: {
    readonly repoPath: string;
    readonly repoFile: string;
  };
}

export interface PackageSpec {
  readonly binary: BinarySpec;
  readonly repository?: PackageRepository;
}

/** Something one component offers others, found by role rather than by component name. */
export interface Endpoint {
  /** e.g. "prometheus", "alertmanager": what it is, not who provides it. */
  readonly role: string;
  readonly url: string;
  /**
   * Every server of a fleet uses it, not only its own host's (each Prometheus sends to every
   * Alertmanager and writes to every storage); a Prometheus or a Grafana serves its host.
   */
  readonly shared?: boolean;
}

export interface DesiredState {
  readonly files: readonly FileSpec[];
  readonly directories: readonly DirectorySpec[];
  readonly users: readonly UserSpec[];
  readonly packages: readonly PackageSpec[];
  readonly services: readonly ServiceSpec[];
  readonly scrapeJobs: readonly ScrapeJob[];
  /** Where the stack's own APIs answer (Prometheus, Alertmanager), for up and verify. */
  readonly endpoints: readonly Endpoint[];
}

// grafana.ini with secure defaults: loopback unless exposed, no anonymous access or sign-up, no
// calls home (usage reports, update checks, news, external snapshots, gravatar). Secrets are
// never in it: Grafana reads them from their files through $__file{...} when it starts.
import type { Listen } from "../../render/desiredState.js";

export interface GrafanaIniOptions {
  readonly listen: Listen;
  /** Grafana serves HTTPS itself with these (as Grafana reads them). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** The URL people open Grafana at; Grafana's own default when absent. */
  readonly rootUrl?: string;
  readonly adminUser: string;
  /** The file holding the admin password, as Grafana sees it. */
  readonly adminPasswordFile: string;
  /** Basic auth on /metrics, the password in a file, when Grafana is exposed. */
  readonly metricsAuth?: { readonly username: string; readonly passwordFile: string };
  readonly paths: {
    readonly data: string;
    readonly logs: string;
    readonly plugins: string;
    readonly provisioning: string;
  };
}

type IniValue = string | number | boolean;
type IniSection = readonly [name: string, entries: readonly (readonly [key: string, value: IniValue])[]];

function renderIni(header: string, sections: readonly IniSection[]): string {
  const blocks = sections.map(
    ([name, entries]) =>
      `[${name}]\n${entries.map(([key, value]) => `${key} = ${String(value)}\n`).join("")}`,
  );
  return `${header}\n${blocks.join("\n")}`;
}

/** A value Grafana expands from a file when it starts (trailing whitespace trimmed). */
export function fromFile(path: string): string {
  return `$__file{${path}}`;
}

export function renderGrafanaIni(options: GrafanaIniOptions): string {
  const { listen, tls } = options;
  const secureCookies = tls !== undefined || options.rootUrl?.startsWith("https:") === true;
  return renderIni(
    [
      "# Rendered by stackmon; edits are overwritten on the next apply.",
      "# No secret is written here: each comes from its file ($__file{...}) when Grafana starts.",
      "",
    ].join("\n"),
    [
      [
        "paths",
        [
          ["data", options.paths.data],
          ["logs", options.paths.logs],
          ["plugins", options.paths.plugins],
          ["provisioning", options.paths.provisioning],
        ],
      ],
      [
        "server",
        [
          ["protocol", tls ? "https" : "http"],
          ["http_addr", listen.host],
          ["http_port", listen.port],
          ...(options.rootUrl ? ([["root_url", options.rootUrl]] as const) : []),
          ...(tls
            ? ([
                ["cert_file", tls.certFile],
                ["cert_key", tls.keyFile],
              ] as const)
            : []),
          ["enable_gzip", true],
        ],
      ],
      [
        "security",
        [
          ["admin_user", options.adminUser],
          // Used only when Grafana creates its database; see docs/grafana.md for changing it later.
          ["admin_password", fromFile(options.adminPasswordFile)],
          ["disable_gravatar", true],
          ["cookie_secure", secureCookies],
          ["cookie_samesite", "lax"],
          ["allow_embedding", false],
        ],
      ],
      [
        "users",
        [
          ["allow_sign_up", false],
          ["allow_org_create", false],
        ],
      ],
      ["auth.anonymous", [["enabled", false]]],
      // The provisioning reload (and scripts) authenticate as the admin with basic auth.
      ["auth.basic", [["enabled", true]]],
      [
        "analytics",
        [
          ["reporting_enabled", false],
          ["check_for_updates", false],
          ["check_for_plugin_updates", false],
          ["feedback_links_enabled", false],
        ],
      ],
      ["news", [["news_feed_enabled", false]]],
      ["snapshots", [["external_enabled", false]]],
      ["public_dashboards", [["enabled", false]]],
      // journald (or `up`'s log file) keeps what Grafana prints; no second copy on disk.
      [
        "log",
        [
          ["mode", "console"],
          ["level", "info"],
        ],
      ],
      [
        "metrics",
        [
          ["enabled", true],
          ...(options.metricsAuth
            ? ([
                ["basic_auth_username", options.metricsAuth.username],
                ["basic_auth_password", fromFile(options.metricsAuth.passwordFile)],
              ] as const)
            : []),
        ],
      ],
    ],
  );
}

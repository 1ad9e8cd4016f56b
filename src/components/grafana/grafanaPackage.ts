// Where Grafana comes from: Grafana's own apt and rpm repositories (it is in neither Debian nor
// RHEL), signed with Grafana's key. There is no release-tarball fallback: the package ships the
// unit, the user and the layout stackmon builds on.
import type { BinarySpec, PackageRepository } from "../../render/desiredState.js";

/** Where the package installs Grafana's static files, templates and default config. */
export const GRAFANA_HOME = "/usr/share/grafana";

/**
 * `grafana server` (`grafana-server` is its deprecated alias); /usr/sbin is the package's link
 * into GRAFANA_HOME/bin. Grafana 12.2: the stack's dashboards use its schema (version 42).
 */
export const grafanaBinary: BinarySpec = {
  name: "grafana",
  paths: ["/usr/sbin/grafana", `${GRAFANA_HOME}/bin/grafana`],
  packages: { apt: "grafana", dnf: "grafana" },
  minVersion: "12.2.0",
};

const APT_KEYRING = "/etc/apt/keyrings/grafana.asc";

export const grafanaRepository: PackageRepository = {
  apt: {
    keyUrl: "https://apt.grafana.com/gpg-full.key",
    // Armored and named .asc, which signed-by reads as it is (no gpg --dearmor needed).
    keyPath: APT_KEYRING,
    listPath: "/etc/apt/sources.list.d/grafana.list",
    sourceLine: `deb [signed-by=${APT_KEYRING}] https://apt.grafana.com stable main`,
  },
  dnf: {
    repoPath: "/etc/yum.repos.d/grafana.repo",
    repoFile: [
      "[grafana]",
      "name=grafana",
      "baseurl=https://rpm.grafana.com",
      "repo_gpgcheck=1",
      "enabled=1",
      "gpgcheck=1",
      "gpgkey=https://rpm.grafana.com/gpg.key",
      "sslverify=1",
      "sslcacert=/etc/pki/tls/certs/ca-bundle.crt",
      "",
    ].join("\n"),
  },
};

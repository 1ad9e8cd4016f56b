// blackbox.yml: the probe modules. Targets are not here: Prometheus passes them as ?target=.
import { stringify } from "yaml";

export const BLACKBOX_MODULES = {
  http: "http_2xx",
  /**
   * Certificate expiry must still be measured when the certificate is invalid or expired,
   * so this probe skips verification; availability is judged by http_2xx, which verifies.
   */
  tlsExpiry: "http_tls_expiry",
  tcp: "tcp_connect",
  icmp: "icmp",
} as const;

export function renderBlackboxConfig(probeTimeout: string): string {
  const document = {
    modules: {
      [BLACKBOX_MODULES.http]: {
        prober: "http",
        timeout: probeTimeout,
        http: { preferred_ip_protocol: "ip4", ip_protocol_fallback: true, follow_redirects: true },
      },
      [BLACKBOX_MODULES.tlsExpiry]: {
        prober: "http",
        timeout: probeTimeout,
        http: {
          preferred_ip_protocol: "ip4",
          ip_protocol_fallback: true,
          fail_if_not_ssl: true,
          tls_config: { insecure_skip_verify: true },
        },
      },
      [BLACKBOX_MODULES.tcp]: {
        prober: "tcp",
        timeout: probeTimeout,
        tcp: { preferred_ip_protocol: "ip4", ip_protocol_fallback: true },
      },
      [BLACKBOX_MODULES.icmp]: {
        prober: "icmp",
        timeout: probeTimeout,
        icmp: { preferred_ip_protocol: "ip4", ip_protocol_fallback: true },
      },
    },
  };
  return `# Rendered by stackmon from stackmon.yml; edits are overwritten on the next apply.\n${stringify(document)}`;
}

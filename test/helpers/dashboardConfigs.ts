// Configs the dashboard tests render: the defaults, every component with every kind of probe,
// and Grafana evaluating the alerts.
import type { DashboardSpec, RenderTarget } from "../../src/components/component.js";
import { parseStackConfig } from "../../src/stack.js";
import { stackDashboards } from "../../src/dashboards/stackDashboards.js";

export const DEFAULT_CONFIG = "global: {hostname: web1}\n";

export const EVERY_COMPONENT_CONFIG = `
global: {hostname: web1}
exporters:
  blackbox:
    targets:
      - {url: "https://shop.example.com", name: shop}
      - {url: "http://intranet.example.com/health"}
    tcp_targets: [{address: "db.example.com:5432"}]
    icmp_targets: [{host: gateway.example.com}]
  mysql: {enabled: true, socket: /run/mysqld/mysqld.sock, password_file: /etc/stackmon/mysql.password}
  pm2: {enabled: true, user: deploy}
  duplicati:
    enabled: true
    token_file: /etc/stackmon/duplicati.token
    backups: [{name: nightly-home, max_age: 26h}]
    server: {url: "http://127.0.0.1:8200", password_file: /etc/stackmon/duplicati.password}
storage: {enabled: true}
`;

export const GRAFANA_ALERTING_CONFIG = `${EVERY_COMPONENT_CONFIG}alerting: {engine: grafana}\n`;

export const SYSTEMD_HOST: RenderTarget = { root: "", platform: "systemd" };
export const SUPERVISED: RenderTarget = { root: "/tmp/stackmon-work", platform: "supervisor" };

export function dashboardsOf(
  configText: string,
  target: RenderTarget = SYSTEMD_HOST,
): readonly DashboardSpec[] {
  return stackDashboards(parseStackConfig(configText, "stackmon.yml", {}), target);
}

/** Every config and target combination the dashboards must be right for. */
export const EVERY_CASE: readonly {
  readonly name: string;
  readonly dashboards: () => readonly DashboardSpec[];
}[] = [
  { name: "the defaults on a systemd host", dashboards: () => dashboardsOf(DEFAULT_CONFIG) },
  { name: "every component on a systemd host", dashboards: () => dashboardsOf(EVERY_COMPONENT_CONFIG) },
  {
    name: "every component under stackmon up",
    dashboards: () => dashboardsOf(EVERY_COMPONENT_CONFIG, SUPERVISED),
  },
  { name: "every component with Grafana alerting", dashboards: () => dashboardsOf(GRAFANA_ALERTING_CONFIG) },
];

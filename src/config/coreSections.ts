// Sections of stackmon.yml that belong to the core rather than to one component, one line each;
// the schema of stackmon.yml is these and the components' (stackConfig.ts).
import { alertingSchema } from "../alerting/alertingSettings.js";
import { alertCatalog } from "../alerting/catalog.js";
import type { Component } from "../components/component.js";
import { inventorySection } from "../fleet/inventory.js";
import { globalSchema } from "./globalSchema.js";
import type { CoreSection } from "./stackConfig.js";

const GLOBAL_EXAMPLE = `hostname: web1                # the name alerts use for this host (default: the machine's)
scrape_interval: 15s          # how often every job is scraped unless it says otherwise
scrape_timeout: 10s
evaluation_interval: 15s      # how often alert rules are evaluated
external_labels: {env: prod}  # added to every series and alert leaving Prometheus
`;

const ALERTING_EXAMPLE = `engine: alertmanager          # or grafana: Grafana evaluates the same alerts and delivers them
mattermost:
  webhook_url_file: /etc/stackmon/secrets/mattermost.url   # an incoming webhook's URL
  critical: {channel: ops-critical, mention: "@channel"}
  warning: {channel: ops}
  info: {channel: ops-info}   # info alerts are delivered only when this is set
group_by: [alertname, instance]
repeat_interval: {critical: 1h, warning: 4h, info: 24h}
grafana_url: https://grafana.example.com   # a link to the dashboards in every message
rules:                        # tune or turn off alerts; \`stackmon alerts\` lists them all
  NodeCPUHighUsage: {threshold: 95, for: 30m}
routes:                       # owners' channels, tried in order; the rest goes to mattermost
  - name: database
    components: [mysql]       # or hosts, host_labels, alerts, matchers
    critical: {channel: db-oncall, mention: "@db-team"}
    warning: {channel: db-oncall}
maintenance:                  # weekly windows in which what they select is not delivered
  - name: backup
    components: [mysql]
    weekly: [{days: [sunday], start: "02:00", end: "04:00"}]
    timezone: Europe/Berlin
`;

export function coreSections(components: readonly Component[]): readonly CoreSection[] {
  return [
    { key: "global", schema: globalSchema, example: GLOBAL_EXAMPLE },
    // Per-alert overrides are keyed by the components' alert names.
    { key: "alerting", schema: alertingSchema(alertCatalog(components)), example: ALERTING_EXAMPLE },
    inventorySection,
  ];
}

// The commented stackmon.yml that `stackmon init` writes. Every line is valid as written (tested);
// optional sections are shown commented out with their defaults.
export const EXAMPLE_CONFIG = `# yaml-language-server: $schema=./stackmon.schema.json
# stackmon.yml: the single source of truth for this host's monitoring stack.
# Check it with \`stackmon validate\`; see what it becomes with \`stackmon render --out DIR\`.
# Values may use \${VAR} from the environment (write $$ for a literal dollar sign).
# Secrets are never written here: give a file (*_file) or an environment variable (*_env).

global:
  scrape_interval: 15s        # how often every job is scraped unless it says otherwise
  scrape_timeout: 10s
  evaluation_interval: 15s    # how often alert rules are evaluated
  # hostname: web1            # the name alerts use for this host (default: the machine's hostname)
  external_labels: {}         # e.g. {env: prod}: added to every series and alert leaving Prometheus

prometheus:
  listen_address: 127.0.0.1:9090
  retention: 15d
  # retention_size: 10GB
  # external_url: https://prometheus.example.com   # used in alert links

alertmanager:
  enabled: true
  listen_address: 127.0.0.1:9093

exporters:
  node:
    enabled: true
    listen_address: 127.0.0.1:9100

  blackbox:
    enabled: true
    listen_address: 127.0.0.1:9115
    targets: []               # websites: availability, response time, certificate expiry
    # targets:
    #   - url: https://shop.example.com
    #     name: shop          # shown in alerts (default: the URL's host)
    # tcp_targets:
    #   - address: db.example.com:5432
    # scrape_interval: 30s    # a per-job interval overrides global.scrape_interval

  mysql:
    enabled: false
    # listen_address: 127.0.0.1:9104
    # host: 127.0.0.1
    # port: 3306
    # user: stackmon_exporter
    # password_file: /etc/stackmon/secrets/mysql-exporter.password

grafana:
  enabled: true               # installed from Grafana's own repository (see docs/grafana.md)
  listen_address: 127.0.0.1:3000
  admin_user: admin
  # admin_password_file: /etc/stackmon/secrets/grafana-admin.password
  #                           # without one, apply generates a password on the host and keeps it
  #                           # in /etc/stackmon/grafana/admin.password
  # root_url: https://grafana.example.com/
  # extra_dashboards: [/etc/stackmon/dashboards]   # your own dashboard JSON, files or folders
  # dashboards:
  #   stackmon-node: {enabled: false}              # leave out one of the stack's dashboards
  #   stackmon-mysql: {file: /etc/stackmon/dashboards/mysql.json}   # or use your own instead

alerting:
  engine: alertmanager        # or grafana: Grafana evaluates the same alerts and delivers them
  # mattermost:
  #   webhook_url_file: /etc/stackmon/secrets/mattermost.url   # an incoming webhook's URL
  #   critical: {channel: ops-critical, mention: "@channel"}
  #   warning: {channel: ops}
  #   info: {channel: ops-info}   # info alerts are delivered only when this is set
  group_by: [alertname, instance]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: {critical: 1h, warning: 4h, info: 24h}
  # grafana_url: https://grafana.example.com   # a link to the dashboards in every message
  rules: {}                   # tune or turn off alerts; \`stackmon alerts\` lists them all, e.g.
  #   NodeCPUHighUsage: {threshold: 95, for: 30m}
  #   NodeFilesystemAlmostOutOfSpace: {warning: {threshold: 10}, critical: {threshold: 5}}
  #   NodeClockNotSynchronising: {enabled: false}
  routes: []                  # owners' channels, tried in order; the rest goes to mattermost, e.g.
  #   - name: database
  #     components: [mysql]   # or hosts: [db1], host_labels: {team: db}, alerts: [...], matchers: [...]
  #     critical: {channel: db-oncall, mention: "@db-team"}
  #     warning: {channel: db-oncall}
  maintenance: []             # weekly windows in which what they select is not delivered, e.g.
  #   - name: backup
  #     components: [mysql]
  #     weekly: [{days: [sunday], start: "02:00", end: "04:00"}]
  #     timezone: Europe/Berlin

# Exposing an endpoint beyond this host requires TLS and basic auth, e.g.:
#   listen_address: 0.0.0.0:9100
#   web:
#     tls: {cert_file: /etc/ssl/node.crt, key_file: /etc/ssl/node.key}
#     basic_auth: {username: prometheus, password_file: /etc/stackmon/secrets/node.password}
`;

// alertmanager.yml. Until a delivery channel is configured, alerts are grouped and kept in
// Alertmanager (visible in its UI and API) without being sent anywhere.
import { stringify } from "yaml";

export function renderAlertmanagerConfig(): string {
  const document = {
    route: {
      receiver: "default",
      group_by: ["alertname", "instance"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
    },
    receivers: [{ name: "default" }],
  };
  return `# Rendered by stackmon from stackmon.yml; edits are overwritten on the next apply.\n${stringify(document)}`;
}

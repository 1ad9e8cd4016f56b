// The alertmanager component's alerts.
import type { AlertDefinition } from "../../alerting/alertRule.js";

export const alertmanagerAlerts: readonly AlertDefinition[] = [];

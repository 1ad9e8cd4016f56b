// The pm2 component's alerts.
import type { AlertDefinition } from "../../alerting/alertRule.js";

export const pm2Alerts: readonly AlertDefinition[] = [];

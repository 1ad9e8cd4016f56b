// The duplicati component's alerts.
import type { AlertDefinition } from "../../alerting/alertRule.js";

export const duplicatiAlerts: readonly AlertDefinition[] = [];

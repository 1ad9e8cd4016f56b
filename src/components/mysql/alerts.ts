// The mysql component's alerts.
import type { AlertDefinition } from "../../alerting/alertRule.js";

export const mysqlAlerts: readonly AlertDefinition[] = [];

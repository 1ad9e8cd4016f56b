// The blackbox component's alerts.
import type { AlertDefinition } from "../../alerting/alertRule.js";

export const blackboxAlerts: readonly AlertDefinition[] = [];

// The node component's alerts.
import type { AlertDefinition } from "../../alerting/alertRule.js";

export const nodeAlerts: readonly AlertDefinition[] = [];

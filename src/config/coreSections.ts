// Sections of stackmon.yml that belong to the core rather than to one component, one line each;
// the schema of stackmon.yml is these and the components' (stackConfig.ts).
import { alertingSchema } from "../alerting/alertingSettings.js";
import { alertCatalog } from "../alerting/catalog.js";
import type { Component } from "../components/component.js";
import { inventorySection } from "../fleet/inventory.js";
import { globalSchema } from "./globalSchema.js";
import type { CoreSection } from "./stackConfig.js";

export function coreSections(components: readonly Component[]): readonly CoreSection[] {
  return [
    { key: "global", schema: globalSchema },
    // Per-alert overrides are keyed by the components' alert names.
    { key: "alerting", schema: alertingSchema(alertCatalog(components)) },
    inventorySection,
  ];
}

// Sections of stackmon.yml that belong to the core rather than to one component.
import type { CoreSection } from "./stackConfig.js";

export const coreSections: readonly CoreSection[] = [];

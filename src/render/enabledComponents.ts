// The components a config switches on, each with its settings and what it offers the stack. Shared
// by the renderer and the stack-wide checks of validation (which must not load the renderer).
import type { Component, Contribution, RenderTarget } from "../components/component.js";
import { settingsOf, type StackConfig } from "../config/stackConfig.js";

export interface EnabledComponent {
  readonly component: Component;
  readonly settings: unknown;
  readonly contribution: Contribution;
}

export function enabledComponents(
  components: readonly Component[],
  config: StackConfig,
  target: RenderTarget,
): EnabledComponent[] {
  return components.flatMap((component) => {
    const settings = settingsOf(component, config);
    if (!settings.enabled) return [];
    return [{ component, settings, contribution: component.contribute(settings, config.global, target) }];
  });
}

// The public core in one place: load a stackmon.yml against the registry (loadStack.ts), render it.
import type { RenderTarget } from "./components/component.js";
import { components } from "./components/registry.js";
import type { StackConfig } from "./config/stackConfig.js";
import type { DesiredState } from "./render/desiredState.js";
import { render } from "./render/render.js";
import type { Fleet } from "./fleet/fleet.js";
import { renderHost } from "./fleet/renderFleet.js";
import type { HostFacts } from "./render/render.js";
import type { StackRenderer } from "./plan/hostStack.js";

export {
  configSchema,
  loadFleet,
  loadStackConfig,
  parseFleet,
  parseStackConfig,
  type FleetLoadOptions,
} from "./loadStack.js";

export function renderStack(config: StackConfig, target: RenderTarget): DesiredState {
  return render(config, target, components);
}

export const HOST_TARGET: RenderTarget = { root: "", platform: "systemd" };

/** One host's desired state; for a file without hosts:, exactly what renderStack gives. */
export function renderFleetHost(
  fleet: Fleet,
  host: string,
  target: RenderTarget,
  facts: HostFacts = {},
): DesiredState {
  return renderHost(fleet, host, target, components, facts);
}

/** The renderer hostStack takes, for a file without hosts:. */
export function stackRenderer(config: StackConfig): StackRenderer {
  return (target, facts) => render(config, target, components, facts);
}

/** The renderer hostStack takes, for one host of a fleet. */
export function fleetHostRenderer(fleet: Fleet, host: string): StackRenderer {
  return (target, facts) => renderHost(fleet, host, target, components, facts);
}

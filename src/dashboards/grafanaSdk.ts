// The Grafana foundation SDK's modules, each required on first use. The SDK is large CommonJS
// that only building dashboards needs: `stackmon --help` and `validate` never load it.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** The exports of `@grafana/grafana-foundation-sdk/<name>`, required when one is first read. */
export function sdkModule<T extends object>(name: string): T {
  let loaded: T | undefined;
  return new Proxy({} as T, {
    get: (_target, property) =>
      Reflect.get((loaded ??= require(`@grafana/grafana-foundation-sdk/${name}`) as T), property) as unknown,
  });
}

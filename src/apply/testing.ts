// For tests of apply on the FakeHost: the options a real run would build, with every secret
// read as "s3cret", no readiness wait and no log.
import type { FakeHost } from "../host/fakeHost.js";
import { hostStack } from "../plan/hostStack.js";
import { parseStackConfig, stackRenderer } from "../stack.js";
import type { ApplyOptions } from "./apply.js";

export function fakeApplyOptions(
  host: FakeHost,
  configText: string,
  extra: Partial<ApplyOptions> = {},
): ApplyOptions {
  const config = parseStackConfig(configText, "stackmon.yml", {});
  return {
    host,
    prepare: ({ listsFetched }) =>
      hostStack(stackRenderer(config), host, { listsFetched, stackmonProgram: () => undefined }),
    readSecret: () => "s3cret",
    log: () => {},
    probe: () => Promise.resolve(true),
    readyTimeoutMs: 1000,
    ...extra,
  };
}

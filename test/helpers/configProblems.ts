// The problems stackmon finds in a config text, each as the CLI prints it (file:line:col: key: message).
import assert from "node:assert/strict";
import { ConfigError, formatIssue } from "../../src/config/configError.js";
import { parseStackConfig } from "../../src/stack.js";

export function configProblems(text: string, env: Record<string, string> = {}): string[] {
  return problemsOf(() => parseStackConfig(text, "stackmon.yml", env));
}

/** The problems of whatever `load` reads (a fleet, say); fails when it loads. */
export function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatIssue);
    throw error;
  }
  assert.fail("expected the config to be rejected");
}

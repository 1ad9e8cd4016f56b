// Running a provisioning step (e.g. the exporter's database user) with its secrets on stdin,
// quoted for the language the step speaks. Its output is scrubbed of them before anyone sees it.
import { UserError } from "../config/configError.js";
import type { HostCommands } from "./host.js";
import type { ProvisioningSecret, ProvisioningStep } from "../render/desiredState.js";
import type { SecretReader } from "../render/fileContent.js";

/**
 * A single-quoted SQL string literal with MySQL's backslash escapes; the step's own input makes
 * sure the session honours them (no NO_BACKSLASH_ESCAPES).
 */
export function sqlString(value: string): string {
  const escaped = value
    .replace(/\\/g, "\\\\")
    .replace(/'/g, "''")
    .replace(/\0/g, "\\0")
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replaceAll(String.fromCharCode(0x1a), "\\Z");
  return `'${escaped}'`;
}

function quoted(part: ProvisioningSecret, value: string): string {
  switch (part.quote) {
    case "sql-string":
      return sqlString(value);
  }
}

/**
 * Whether the step is in place: its check command succeeds and, when it names an expected
 * output, prints it. Asked by plan (to list the step) and by `up` (to run it).
 */
export async function provisioningInPlace(commands: HostCommands, step: ProvisioningStep): Promise<boolean> {
  const result = await commands.run(step.check.program, step.check.args, { timeoutMs: 30_000 });
  return (
    result.status === 0 &&
    (step.check.expect === undefined || new RegExp(step.check.expect).test(result.stdout))
  );
}

export async function runProvisioningStep(
  commands: HostCommands,
  step: ProvisioningStep,
  readSecret: SecretReader,
): Promise<void> {
  const secrets: string[] = [];
  const input = step.run.input
    .map((part) => {
      if (typeof part === "string") return part;
      const value = readSecret(part.secret);
      secrets.push(value);
      return quoted(part, value);
    })
    .join("");
  const result = await commands.run(step.run.program, step.run.args, { input, timeoutMs: 120_000 });
  if (result.status !== 0) {
    let output = `${result.stdout}${result.stderr}`.trim();
    for (const secret of secrets) if (secret !== "") output = output.replaceAll(secret, "<secret>");
    throw new UserError(
      `${step.description}: ${step.run.program} failed (exit ${result.status}):\n${output}`,
    );
  }
}

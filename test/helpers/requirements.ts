/**
 * A test's `skip` option for a tool it needs: skipped, with the reason, where the tool is
 * missing on a developer's machine; never skipped in CI (CI=true), where .ci/run installs it,
 * so that a missing tool fails there instead of passing unnoticed.
 */
export function skipWithout(present: unknown, reason: string): string | false {
  return present || process.env.CI === 'true' ? false : reason;
}

/** The test's first line: in CI a missing tool is a failure that says what is missing. */
export function requirePresent<T>(tool: T | undefined, name: string): T {
  if (!tool) throw new Error(`${name} is missing: .ci/run installs it, and in CI it must be there`);
  return tool;
}

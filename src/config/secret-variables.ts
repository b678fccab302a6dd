/**
 * The secrets ocs-auth itself reads from its environment. Every process it starts (exec's
 * command, a browser that may live for hours) gets a short-lived token at most, never these.
 */
export const SECRET_VARIABLES: readonly string[] = ['OCS_CLIENT_SECRET'];

/** The environment less SECRET_VARIABLES; on Windows, where names are case-insensitive, in any case. */
export function withoutSecrets(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  const secret = (name: string) => SECRET_VARIABLES.includes(platform === 'win32' ? name.toUpperCase() : name);
  return Object.fromEntries(Object.entries(env).filter(([name]) => !secret(name)));
}

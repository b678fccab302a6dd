/**
 * The payload of a JWT, unverified: for reading who a token is about, never for trusting it.
 * Undefined when the text is not a JWT (OCS access tokens are JWTs, but a client need not rely on it).
 */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** "Alice Example <alice@example.com>", or whichever of name, email, login name and subject the claims carry. */
export function personName(claims: Record<string, unknown>): string | undefined {
  const text = (key: string) => (typeof claims[key] === 'string' && claims[key] !== '' ? (claims[key] as string) : undefined);
  const name = text('name');
  const email = text('email') ?? text('preferred_username');
  if (name && email) return `${name} <${email}>`;
  return name ?? email ?? (text('sub') ? `user ${text('sub')}` : undefined);
}

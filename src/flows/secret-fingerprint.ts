import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SecretFingerprint } from './stored-token.js';

// A salted hash, never the secret: enough to tell that OCS_CLIENT_SECRET changed since a
// token was cached, useless for finding the secret. Loaded only where a secret comes from
// the environment, so other sessions' cached `token` never loads node:crypto.

export function secretFingerprint(secret: string): SecretFingerprint {
  const salt = randomBytes(16).toString('base64url');
  return { salt, sha256: digest(salt, secret) };
}

export function matchesFingerprint(fingerprint: SecretFingerprint | undefined, secret: string): boolean {
  if (fingerprint === undefined) return false;
  const expected = Buffer.from(fingerprint.sha256);
  const actual = Buffer.from(digest(fingerprint.salt, secret));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function digest(salt: string, secret: string): string {
  return createHash('sha256').update(`${salt}\n${secret}`).digest('base64url');
}

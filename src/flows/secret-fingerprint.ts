import { sha256 } from '@noble/hashes/sha2';
import type { SecretFingerprint } from './stored-token.js';

// A salted hash, never the secret: enough to tell that OCS_CLIENT_SECRET changed since a
// token was cached, useless for finding the secret. Checked on every cached `token` of an
// env-only session, so it is the audited pure-JS SHA-256 of @noble/hashes rather than
// node:crypto, whose loading alone costs a cached token a quarter of its start-up.

export async function secretFingerprint(secret: string): Promise<SecretFingerprint> {
  // Imported here: a cached token only checks a fingerprint (see fs-atomic.ts).
  const { randomHex } = await import('../store/random-ids.js');
  const salt = randomHex(16);
  return { salt, sha256: digest(salt, secret) };
}

export function matchesFingerprint(fingerprint: SecretFingerprint | undefined, secret: string): boolean {
  // Compared in plain: the fingerprint and the secret are both this user's, on this machine.
  return fingerprint !== undefined && fingerprint.sha256 === digest(fingerprint.salt, secret);
}

function digest(salt: string, secret: string): string {
  return Buffer.from(sha256(Buffer.from(`${salt}\n${secret}`, 'utf8'))).toString('hex');
}

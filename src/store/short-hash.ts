/**
 * A short, file-name-safe digest (64-bit FNV-1a, hex) for naming cache entries, locks and
 * env-only sessions. Not for security: every entry it names also records what it is for,
 * and is checked on read. node:crypto would cost the hot path several milliseconds to load.
 */
export function shortHash(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

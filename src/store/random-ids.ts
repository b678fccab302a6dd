import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

// Random names and ids that must not collide (temporary files, lock owners, salts, got's
// request ids), never keys, PKCE verifiers or state, which take node:crypto. Where there is
// one, they come from /dev/urandom, the source node:crypto draws from too: loading node:crypto
// (a dozen of Node's modules) was a sixth of what a new token costs beyond a bare POST.

/** `bytes` random bytes, as hex. */
export function randomHex(bytes: number, platform: NodeJS.Platform = process.platform): string {
  return random(bytes, platform).toString('hex');
}

/** A version 4 UUID (RFC 9562), as node:crypto's randomUUID makes. */
export function randomUUID(platform: NodeJS.Platform = process.platform): string {
  const bytes = random(16, platform);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function random(bytes: number, platform: NodeJS.Platform): Buffer {
  return (platform === 'win32' ? undefined : fromDevUrandom(bytes)) ?? randomBytes(bytes);
}

function fromDevUrandom(bytes: number): Buffer | undefined {
  let file: number | undefined;
  try {
    file = openSync('/dev/urandom', 'r');
    const buffer = Buffer.alloc(bytes);
    return readSync(file, buffer) === bytes ? buffer : undefined;
  } catch {
    // No /dev (a minimal container or chroot): node:crypto.
    return undefined;
  } finally {
    if (file !== undefined) closeSync(file);
  }
}

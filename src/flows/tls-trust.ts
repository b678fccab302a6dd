// Which certificate authorities HTTPS requests trust, and what a certificate failure means in
// the user's words (SPEC "Configuration": OCS_AUTH_CA_FILE / ca_file, NODE_EXTRA_CA_CERTS).
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import tls from 'node:tls';
import { UsageError } from '../errors.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const CA_FILE_HINT = 'OCS_AUTH_CA_FILE and ca_file name a PEM bundle: one or more "-----BEGIN CERTIFICATE-----" blocks';

/**
 * What to trust when a CA file is given: everything Node trusts by default plus the file's
 * certificates. A TLS `ca` option replaces Node's roots rather than adding to them, so the
 * defaults are listed too: the company root must not cost the public ones.
 */
export async function trustWithCaFile(path: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the CA file ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, {
      hint: CA_FILE_HINT,
      cause: error,
    });
  }
  const certificates = text.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) throw new UsageError(`the CA file ${path} holds no PEM certificate`, { hint: CA_FILE_HINT });
  certificates.forEach((pem, index) => {
    try {
      new X509Certificate(pem);
    } catch (error) {
      throw new UsageError(`the CA file ${path}: certificate ${index + 1} cannot be read`, { hint: CA_FILE_HINT, cause: error });
    }
  });
  return [...defaultCertificates(env), ...certificates];
}

type CaListing = (type?: 'default' | 'system' | 'bundled' | 'extra') => string[];

function defaultCertificates(env: NodeJS.ProcessEnv): string[] {
  // Node >= 22.15 lists what its clients trust by default: the bundled roots,
  // NODE_EXTRA_CA_CERTS, and the system store when --use-system-ca is on.
  const getCACertificates = (tls as { getCACertificates?: CaListing }).getCACertificates;
  if (getCACertificates) return getCACertificates('default');
  // Node 20 has no system store; its defaults are the bundled roots and NODE_EXTRA_CA_CERTS
  // (which Node itself has already warned about if it could not read it).
  const extra = env.NODE_EXTRA_CA_CERTS;
  let extraText = '';
  try {
    if (extra) extraText = readFileSync(extra, 'utf8');
  } catch {
    extraText = '';
  }
  return [...tls.rootCertificates, ...(extraText.match(PEM_CERTIFICATE) ?? [])];
}

/** Whether this Node can trust the operating system's store (--use-system-ca, Node >= 22.15 / 23.9). */
export function systemStoreAvailable(): boolean {
  return process.allowedNodeEnvironmentFlags.has('--use-system-ca');
}

const UNTRUSTED = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_UNTRUSTED']);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const WRONG_HOST = 'ERR_TLS_CERT_ALTNAME_INVALID';
// TLS spoken to a plain-HTTP port: Node 20 says EPROTO with OpenSSL's reason in the message,
// later versions put the reason in the code.
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);
const NOT_TLS_REASON = /wrong version number|packet length too long/i;

/** A TLS failure as one plain sentence and what to do about it; undefined for any other error. */
export function describeTlsFailure(code: string, message: string): { problem: string; hint: string } | undefined {
  if (UNTRUSTED.has(code)) {
    const systemStore = systemStoreAvailable() ? ', or NODE_OPTIONS=--use-system-ca to trust the system store' : '';
    return {
      problem: 'its certificate is not trusted (self-signed or from an unknown authority, e.g. a company proxy that inspects TLS)',
      hint: `if the certificate is your company's, add its root CA: OCS_AUTH_CA_FILE=/path/to/root.pem (or ca_file in config.ini), or NODE_EXTRA_CA_CERTS${systemStore}`,
    };
  }
  if (EXPIRED.has(code)) {
    return {
      problem: code === 'CERT_HAS_EXPIRED' ? 'its certificate has expired' : 'its certificate is not valid yet',
      hint: "check this machine's clock; if it is right, the server's certificate must be renewed",
    };
  }
  if (code === WRONG_HOST) {
    return {
      problem: 'its certificate is for another host name',
      hint: 'check the resource URL; a proxy that inspects TLS may also answer with the wrong certificate',
    };
  }
  if (NOT_TLS.has(code) || (code === 'EPROTO' && NOT_TLS_REASON.test(message))) {
    return { problem: 'it does not speak https on that port', hint: 'check the URL: the port may expect http://' };
  }
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_')) {
    return { problem: 'the TLS handshake failed', hint: 'a proxy or firewall may be interfering; run with --verbose for details' };
  }
  return undefined;
}

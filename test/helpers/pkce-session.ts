import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Emulator } from '../emulator/index.ts';
import { captureBrowserRedirect } from './browser-login.ts';

export interface PkceTokens {
  access_token: string;
  refresh_token: string;
  id_token: string;
}

/**
 * A real browser login done by the test itself (headless Chromium, no CLI), leaving in
 * configDir a file-storage PKCE profile and its refresh token as `login --pkce` would.
 */
export async function storePkceSession(emulator: Emulator, configDir: string, profile: string): Promise<PkceTokens> {
  const verifier = randomBytes(32).toString('base64url');
  const redirectUri = 'http://127.0.0.1:5004/callback.html';
  const authorize = new URL(`${emulator.resource}/identity/connect/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: emulator.publicClient.clientId,
    redirect_uri: redirectUri,
    scope: 'openid ocsapi offline_access',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
    acr_values: `tenant:${emulator.tenantId}`,
  }).toString();
  const code = (await captureBrowserRedirect(authorize.href, emulator.user)).searchParams.get('code')!;
  const response = await fetch(`${emulator.resource}/identity/connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: emulator.publicClient.clientId, code, code_verifier: verifier, redirect_uri: redirectUri }),
  });
  const tokens = (await response.json()) as PkceTokens;
  assert.ok(tokens.refresh_token);
  // Added to what the folder holds already, so several profiles can be logged in side by side.
  const config = await readFile(join(configDir, 'config.ini'), 'utf8').catch(() => '');
  await writeFile(
    join(configDir, 'config.ini'),
    `${config}[${profile}]\nresource = ${emulator.resource}\ntenant_id = ${emulator.tenantId}\nclient_id = ${emulator.publicClient.clientId}\nflow = pkce\nstorage = file\n`,
  );
  const credentials: { entries: Record<string, string> } = await readFile(join(configDir, 'credentials.json'), 'utf8').then((text) => JSON.parse(text), () => ({ entries: {} }));
  credentials.entries[`${profile}/pkce/refresh-token`] = boundRecord(emulator, tokens.refresh_token);
  await writeFile(join(configDir, 'credentials.json'), JSON.stringify({ version: 1, entries: credentials.entries }), { mode: 0o600 });
  return tokens;
}

/** A refresh token or client secret as ocs-auth stores it: bound to the emulator's issuer, client and tenant. */
export function boundRecord(emulator: Emulator, value: string, clientId = emulator.publicClient.clientId): string {
  const binding = {
    resource: emulator.resource,
    discovery_url: `${emulator.issuer}/.well-known/openid-configuration`,
    issuer: emulator.issuer,
    client_id: clientId,
    tenant_id: emulator.tenantId,
    account_id: null,
  };
  return JSON.stringify({ value, binding, stored_at: Date.now() });
}

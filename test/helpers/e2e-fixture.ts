// The setup every end-to-end file shares: one emulator per file, and per test a fresh config
// folder with the emulator's faults and counts reset. The node test runner gives each file a
// process of its own, so these live bindings belong to the importing file alone.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach } from 'node:test';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/index.ts';
import { clientCredentialsEnv, tempConfigDir } from './cli.ts';

export let emulator: Emulator;
export let configDir: string;

/** Registers the hooks; call once at the top of a test file. */
export function useE2eFixture(options: EmulatorOptions = {}): void {
  let cleanup: () => Promise<void>;
  before(async () => {
    emulator = await startEmulator(options);
  });
  after(() => emulator.close());
  beforeEach(async () => {
    ({ dir: configDir, cleanup } = await tempConfigDir());
    emulator.clearFaults();
    emulator.resetCounts();
  });
  afterEach(() => cleanup());
}

/** env-only client credentials against this file's emulator and the test's config folder. */
export function envOnly(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return clientCredentialsEnv(emulator, configDir, extra);
}

/** A profile-less PKCE session's settings: the emulator's public client, file storage. */
export function pkceEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    OCS_RESOURCE: emulator.resource,
    OCS_TENANT_ID: emulator.tenantId,
    OCS_CLIENT_ID: emulator.publicClient.clientId,
    OCS_AUTH_CONFIG_DIR: configDir,
    OCS_AUTH_STORAGE: 'file',
    ...extra,
  };
}

/** What is stored in the test's config folder: credentials.json's entries and the cached access tokens, each as "owner/flow/kind". */
export async function storedEntries(): Promise<Record<string, string>> {
  let entries: Record<string, string> = {};
  try {
    entries = (JSON.parse(await readFile(join(configDir, 'credentials.json'), 'utf8')) as { entries: Record<string, string> }).entries;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  for (const flow of await readdir(join(configDir, 'tokens')).catch(() => [])) {
    for (const file of await readdir(join(configDir, 'tokens', flow))) {
      entries[`${file.replace(/\.json$/, '')}/${flow}/access-token`] = await readFile(join(configDir, 'tokens', flow, file), 'utf8');
    }
  }
  return entries;
}

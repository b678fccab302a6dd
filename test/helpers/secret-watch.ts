// The suite-wide secrets check (issue 6): every CLI run made through a SecretWatch has its
// stderr kept, every config folder it is shown has its files read, and at the end no client
// secret, refresh token or access token may appear in any stderr (--verbose traces and
// error messages included) or in any file outside secret storage (config.ini, cache/,
// locks/). Secrets are learnt as the runs go: those the test names, tokens printed on
// stdout, and whatever the credentials file and the token cache hold.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { runCli, type CliOptions, type CliResult } from './cli.ts';

/** Secret storage itself: the credentials file (and any damaged copy of it moved aside), the token cache. */
const SECRET_STORAGE = /^(credentials\.json(\.damaged-.*)?|tokens\/[^/]+\/[^/]+\.json)$/;

export class SecretWatch {
  private readonly secrets = new Set<string>();
  private readonly places: Array<{ where: string; text: string }> = [];

  /** A value that must never show up outside secret storage. */
  secret(...values: Array<string | undefined>): void {
    for (const value of values) if (value && value.length >= 8) this.secrets.add(value);
  }

  /** runCli, keeping stderr for the final check and learning the token a successful run printed. */
  async run(args: string[], options: CliOptions = {}): Promise<CliResult> {
    const result = await runCli(args, options);
    this.places.push({ where: `stderr of ocs-auth ${args.join(' ')}`, text: result.stderr });
    if (result.code === 0 && args[0] === 'token') this.secret(result.stdout.trim().replace(/^.*Bearer |^export OCS_TOKEN='|'$/g, ''));
    if (result.code !== 0) this.places.push({ where: `stdout of failed ocs-auth ${args.join(' ')}`, text: result.stdout });
    return result;
  }

  /** Learns what configDir's secret storage holds and keeps every other file there for the check. */
  async collect(configDir: string): Promise<void> {
    for (const path of await filesUnder(configDir)) {
      const name = relative(configDir, path);
      const text = await readFile(path, 'utf8').catch(() => '');
      if (SECRET_STORAGE.test(name)) this.learnStored(text);
      else this.places.push({ where: path, text });
    }
  }

  /** Fails naming the place and the kind of secret (never the secret itself). */
  assertClean(): void {
    assert.ok(this.secrets.size > 0, 'the watch learnt no secrets: it would prove nothing');
    for (const { where, text } of this.places) {
      for (const secret of this.secrets) {
        assert.ok(!text.includes(secret), `a secret (${secret.slice(0, 4)}…, ${secret.length} chars) appears in ${where}`);
      }
    }
  }

  private learnStored(text: string): void {
    let stored: { entries?: Record<string, string>; access_token?: string } = {};
    try {
      stored = JSON.parse(text) as typeof stored;
    } catch {
      return;
    }
    this.secret(stored.access_token);
    for (const entry of Object.values(stored.entries ?? {})) {
      try {
        this.secret((JSON.parse(entry) as { value?: string }).value);
      } catch {
        this.secret(entry);
      }
    }
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

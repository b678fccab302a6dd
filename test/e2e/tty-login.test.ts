// `token` on a terminal when a login is needed: it logs in first (here: the hidden client
// secret prompt) and then prints the token. script(1) gives the CLI a real pseudo-terminal.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { captureBrowserRedirect, completeBrowserLogin } from '../helpers/browser-login.ts';
import { closedPort, runCli } from '../helpers/cli.ts';
import { configDir, emulator, pkceEnv, storedEntries, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { needsScript, onTerminal } from '../helpers/terminal.ts';

useE2eFixture();

test('token on a terminal logs in first when it must, then prints the token', needsScript, async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  const configured = await runCli(
    ['configure', '--client-credentials', '--resource', emulator.resource, '--tenant-id', emulator.tenantId, '--client-id', emulator.confidentialClient.clientId],
    { env },
  );
  assert.equal(configured.code, 0, configured.stderr);

  const { code, screen } = await onTerminal(['token'], env, [[/Client secret/, `${emulator.confidentialClient.clientSecret}\r`]]);
  assert.equal(code, 0, screen);
  assert.match(screen, /no client secret stored for profile "default": logging in first/);
  assert.match(screen, /Logged in to tenant "Emulated Company"/);
  assert.ok(!screen.includes(emulator.confidentialClient.clientSecret), 'the secret is not echoed');
  const token = /^(eyJ[\w-]+\.[\w-]+\.[\w-]+)\r?$/m.exec(screen)?.[1];
  assert.ok(token, screen);

  // The login stuck: a script gets the same token without a terminal and without a request.
  emulator.resetCounts();
  const again = await runCli(['token'], { env });
  assert.equal(again.stdout.trim(), token);
  assert.equal(emulator.counts.token, 0);
});

test('a login that token starts on a terminal never moves the profile to where OCS_RESOURCE points', needsScript, async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  const home = 'https://euno.datahub.connect.aveva.com';
  const configured = await runCli(
    ['configure', '--client-credentials', '--resource', home, '--tenant-id', emulator.tenantId, '--client-id', emulator.confidentialClient.clientId],
    { env },
  );
  assert.equal(configured.code, 0, configured.stderr);

  const { code, screen } = await onTerminal(['token'], { ...env, OCS_RESOURCE: emulator.resource }, [[/Client secret/, `${emulator.confidentialClient.clientSecret}\r`]]);
  assert.equal(code, 0, screen);
  const profile = await readFile(join(configDir, 'config.ini'), 'utf8');
  assert.match(profile, new RegExp(`resource = ${home}`), profile);
  assert.doesNotMatch(profile, new RegExp(emulator.resource));
});

/** The login URL as a person copies it off the terminal. */
function authorizeUrlOn(screen: string): string {
  const url = /^\s+(http:\/\/\S+\/connect\/authorize\?\S+?)\r?$/m.exec(screen)?.[1];
  assert.ok(url, screen);
  return url;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

test('a browser on another machine: the address it ended on, pasted into the terminal, logs in; one of another login is refused and the wait goes on', needsScript, async () => {
  const port = await closedPort();
  const redirectUri = `http://localhost:${port}/callback.html`;
  emulator.registerRedirectUri(redirectUri);
  let landed: URL | undefined;
  const { code, screen } = await onTerminal(['login', '--pkce', '--no-browser', '--redirect-uri', redirectUri], pkceEnv(), [
    [
      /paste/i,
      async (shown) => {
        // Real Chromium signs in; the address it ends on never reaches this machine's loopback.
        landed = await captureBrowserRedirect(authorizeUrlOn(shown), emulator.user);
        const forged = new URL(landed);
        forged.searchParams.set('state', 'forged');
        return `${forged.href}\r`;
      },
    ],
    [/does not belong to the login waiting here/, () => `${landed!.href}\r`],
  ]);
  assert.equal(code, 0, screen);
  assert.match(screen, /paste the address it ended on/i);
  assert.match(screen, /Logged in to tenant "Emulated Company" \(.+\) as Alice Example/);
  assert.equal(emulator.counts.token, 1, 'one code exchanged: the pasted one');
  assert.ok((await storedEntries())['default/pkce/access-token']);
  assert.ok(await portIsFree(port), 'the loopback server is closed');
});

test('on a terminal the redirect still wins when the browser is here: the login ends without waiting for a paste', needsScript, async () => {
  const port = await closedPort();
  const redirectUri = `http://localhost:${port}/callback.html`;
  emulator.registerRedirectUri(redirectUri);
  let signedIn: Promise<URL> | undefined;
  const { code, screen } = await onTerminal(['login', '--pkce', '--no-browser', '--redirect-uri', redirectUri], pkceEnv(), [
    [
      /paste/i,
      (shown) => {
        signedIn = completeBrowserLogin(authorizeUrlOn(shown), emulator.user);
        return '';
      },
    ],
  ]);
  assert.equal(code, 0, screen);
  await signedIn;
  assert.match(screen, /Logged in to tenant "Emulated Company"/);
});

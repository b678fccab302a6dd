import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openBrowser, splitWords, whyNoBrowser } from '../../src/flows/browser.ts';

const URL_WITH_QUERY = 'http://127.0.0.1:5055/identity/connect/authorize?a=1&scope=openid%20ocsapi';

test('BROWSER is split into words like a shell would, quotes kept together', () => {
  assert.deepEqual(splitWords('firefox'), ['firefox']);
  assert.deepEqual(splitWords('  "/opt/My Browser/run" --new-window  '), ['/opt/My Browser/run', '--new-window']);
  assert.deepEqual(splitWords(`open -a 'Google Chrome' ''`), ['open', '-a', 'Google Chrome', '']);
});

test('the BROWSER command gets the URL as one argument, or in place of %s', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ocs-auth-browser-'));
  try {
    const script = join(dir, 'record.mjs');
    const out = join(dir, 'args.json');
    await writeFile(script, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(out)}, JSON.stringify(process.argv.slice(2)));\n`);
    const recorded = async () => {
      for (let i = 0; i < 200; i++) {
        const text = await readFile(out, 'utf8').catch(() => '');
        if (text) return JSON.parse(text) as string[];
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return assert.fail('the BROWSER command never ran');
    };

    assert.deepEqual(await openBrowser(URL_WITH_QUERY, { BROWSER: `"${process.execPath}" ${script}` }, 'linux'), { opened: true });
    assert.deepEqual(await recorded(), [URL_WITH_QUERY]);
    await rm(out);
    assert.deepEqual(await openBrowser(URL_WITH_QUERY, { BROWSER: `"${process.execPath}" ${script} --url=%s --x` }, 'linux'), { opened: true });
    assert.deepEqual(await recorded(), [`--url=${URL_WITH_QUERY}`, '--x']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('where no browser can be shown, it says why instead of trying', async () => {
  const missing = await openBrowser(URL_WITH_QUERY, { BROWSER: '/nonexistent/browser' }, 'linux');
  assert.equal(missing.opened, false);
  assert.match(missing.opened ? '' : missing.reason, /cannot run BROWSER command "\/nonexistent\/browser": ENOENT/);
  assert.deepEqual(await openBrowser(URL_WITH_QUERY, {}, 'linux'), { opened: false, reason: 'no display: DISPLAY and WAYLAND_DISPLAY are unset' });
  assert.deepEqual(await openBrowser(URL_WITH_QUERY, { SSH_CONNECTION: '10.0.0.1 22 10.0.0.2 22' }, 'darwin'), {
    opened: false,
    reason: 'an SSH session: a browser would open on the remote machine',
  });
});

test('WSL needs no display: open starts the Windows browser there; found by WSL_DISTRO_NAME or /proc/version, never over SSH', () => {
  const linuxKernel = () => 'Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)';
  const wslKernel = () => 'Linux version 5.15.153.1-microsoft-standard-WSL2 (root@941d701f84f1) (gcc (GCC) 12.2.0)';
  assert.equal(whyNoBrowser({}, 'linux', linuxKernel), 'no display: DISPLAY and WAYLAND_DISPLAY are unset');
  assert.equal(whyNoBrowser({}, 'linux', wslKernel), undefined, 'WSL found by the kernel, e.g. under sudo');
  assert.equal(whyNoBrowser({ WSL_DISTRO_NAME: 'Ubuntu' }, 'linux', linuxKernel), undefined, 'WSL found by its variable');
  assert.equal(whyNoBrowser({ SSH_CONNECTION: '10.0.0.1 22 10.0.0.2 22' }, 'linux', wslKernel), 'an SSH session: a browser would open on the remote machine');
  assert.equal(whyNoBrowser({ DISPLAY: ':0' }, 'linux', linuxKernel), undefined);
});

test('the BROWSER command, which may live for hours, does not inherit the client secret', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ocs-auth-browser-'));
  try {
    const script = join(dir, 'record-env.mjs');
    const out = join(dir, 'env.json');
    await writeFile(script, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(out)}, JSON.stringify(process.env));\n`);
    const env = { BROWSER: `"${process.execPath}" ${script}`, OCS_CLIENT_SECRET: 'a-secret-for-the-server-only', OCS_CLIENT_ID: 'c' };
    assert.deepEqual(await openBrowser(URL_WITH_QUERY, env, 'linux'), { opened: true });
    let seen = '';
    for (let i = 0; i < 200 && !seen; i++) {
      seen = await readFile(out, 'utf8').catch(() => '');
      if (!seen) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const childEnv = JSON.parse(seen) as Record<string, string>;
    assert.equal(childEnv.OCS_CLIENT_ID, 'c', 'the rest of the environment passes');
    assert.equal(childEnv.OCS_CLIENT_SECRET, undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

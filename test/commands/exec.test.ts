// How exec finds and starts its command on Windows, proven on any platform: a child Node
// process that believes it runs on win32 resolves commands against a fake PATH and PATHEXT,
// and "cmd.exe" (COMSPEC) is a script that reports the command line it was handed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { childHadSigintFromTerminal } from '../../src/commands/exec.ts';
import { withoutSecrets } from '../../src/config/secret-variables.ts';

const EXEC_MODULE = fileURLToPath(new URL('../../src/commands/exec.ts', import.meta.url));
let dir: string;
let bin: string;
let comspec: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ocs-auth-exec-'));
  bin = join(dir, 'bin');
  await mkdir(bin);
  // Reports its arguments, as cmd.exe would receive them, and does nothing else.
  comspec = join(dir, 'cmd.sh');
  // cmd.exe exits 1 for a command it cannot find; cross-spawn turns that into ENOENT.
  await writeFile(comspec, `#!/bin/sh\nprintf 'cmd.exe'; for a in "$@"; do printf ' [%s]' "$a"; done; echo\ncase "$*" in *no-such-tool*) exit 1;; esac\n`);
  await writeFile(join(bin, 'npm.cmd'), '@echo off\r\n');
  // A real binary, as an .exe is: a script's #! line would send cross-spawn through cmd.exe.
  await copyFile('/bin/echo', join(bin, 'tool.exe'));
  await chmod(comspec, 0o755);
});
after(() => rm(dir, { recursive: true, force: true }));

/** Runs exec's spawnCommand in a Node process that takes itself for Windows; its output. */
async function onWindows(file: string, args: string[]): Promise<string> {
  const program = `
Object.defineProperty(process, 'platform', { value: 'win32' });
const { spawnCommand } = await import(${JSON.stringify(EXEC_MODULE)});
const child = await spawnCommand(process.argv[1], JSON.parse(process.argv[2]), { env: { PATH: ${JSON.stringify(bin)} }, stdio: 'inherit' });
child.on('error', (error) => { console.log('error ' + error.code); });
`;
  // Lower case: Windows matches extensions whatever their case, this file system does not.
  const env = { PATH: process.env.PATH ?? '', PATHEXT: '.com;.exe;.bat;.cmd', COMSPEC: comspec, comspec };
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program, file, JSON.stringify(args)], { env });
  return stdout.trim();
}

test('on Windows a .cmd found through PATHEXT runs through cmd.exe, every argument escaped so none is a shell command', async () => {
  const output = await onWindows('npm', ['run', 'a b', '&calc', '"quoted"', '%PATH%']);
  assert.match(output, /^cmd\.exe \[\/d\] \[\/s\] \[\/c\] \["npm .*"\]$/, output);
  const commandLine = /\[\/c\] \[(.*)\]$/.exec(output)![1]!;
  assert.ok(commandLine.includes('^&calc'), `& is escaped for cmd.exe: ${commandLine}`);
  assert.ok(!/[^^]&calc/.test(commandLine), commandLine);
  assert.ok(commandLine.includes('^%PATH^%'), `%…% is not expanded: ${commandLine}`);
});

test('on Windows an .exe on PATH runs directly, without a shell', async () => {
  // echo's own output: had a shell read the line, "&x" would have been a second command.
  // (Named in full: Windows itself would add the .exe, Linux's execvp does not.)
  assert.equal(await onWindows('tool.exe', ['a b', '&x']), 'a b &x');
});

test('on Windows a command found nowhere is ENOENT (exit 127 in exec), not a cmd.exe error', async () => {
  assert.match(await onWindows('no-such-tool', []), /error ENOENT$/);
});

test('the command never sees the client secret; everything else passes through', () => {
  assert.deepEqual(withoutSecrets({ OCS_CLIENT_SECRET: 's', OCS_CLIENT_ID: 'c', PATH: '/bin' }), { OCS_CLIENT_ID: 'c', PATH: '/bin' });
  // Windows reads Ocs_Client_Secret as OCS_CLIENT_SECRET; Linux does not.
  assert.deepEqual(withoutSecrets({ Ocs_Client_Secret: 's', Path: 'C:\\bin' }, 'win32'), { Path: 'C:\\bin' });
  assert.deepEqual(withoutSecrets({ ocs_client_secret: 's' }, 'linux'), { ocs_client_secret: 's' });
});

test('on Windows a Ctrl-C is the console\'s to deliver, never forwarded', () => {
  assert.equal(childHadSigintFromTerminal('win32'), true);
});

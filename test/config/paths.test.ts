import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { configDir, homeFolder, stateDir } from '../../src/config/paths.ts';

const home = () => '/home/ada';
const roaming = 'C:\\Users\\ada\\AppData\\Roaming';
const local = 'C:\\Users\\ada\\AppData\\Local';

test('Windows: config in %APPDATA%\\ocs-auth, cached tokens, discovery cache and locks in %LOCALAPPDATA%\\ocs-auth', () => {
  const env = { APPDATA: roaming, LOCALAPPDATA: local };
  assert.equal(configDir(env, 'win32', home), join(roaming, 'ocs-auth'));
  assert.equal(stateDir(env, 'win32', home), join(local, 'ocs-auth'));
});

test('Windows: an unset or empty APPDATA / LOCALAPPDATA falls back to the profile folder, never to a relative path', () => {
  for (const env of [{}, { APPDATA: '', LOCALAPPDATA: '' }]) {
    assert.equal(configDir(env, 'win32', home), join('/home/ada', 'AppData', 'Roaming', 'ocs-auth'));
    assert.equal(stateDir(env, 'win32', home), join('/home/ada', 'AppData', 'Local', 'ocs-auth'));
  }
});

test('OCS_AUTH_CONFIG_DIR holds everything, state included, on every platform', () => {
  for (const platform of ['win32', 'darwin', 'linux'] as const) {
    const env = { OCS_AUTH_CONFIG_DIR: '/tmp/ocs', APPDATA: roaming, LOCALAPPDATA: local };
    assert.equal(configDir(env, platform, home), '/tmp/ocs');
    assert.equal(stateDir(env, platform, home), '/tmp/ocs');
  }
});

test('macOS and Linux keep state in the config folder', () => {
  assert.equal(stateDir({}, 'darwin', home), join('/home/ada', 'Library', 'Application Support', 'ocs-auth'));
  assert.equal(stateDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', home), join('/xdg', 'ocs-auth'));
  assert.equal(stateDir({ LOCALAPPDATA: local }, 'linux', home), join('/home/ada', '.config', 'ocs-auth'));
});

test("the home folder is $HOME, as os.homedir() answers, but on Windows, which goes by the user's profile", () => {
  assert.equal(homeFolder({ HOME: '/home/ada' }, 'linux'), '/home/ada');
  assert.equal(homeFolder({ HOME: '/Users/ada' }, 'darwin'), '/Users/ada');
  assert.equal(homeFolder({}, 'linux'), homedir(), 'no HOME in the settings: os.homedir() decides');
  assert.equal(homeFolder({ HOME: '/home/ada' }, 'win32'), homedir());
  if (process.platform !== 'win32') assert.equal(homeFolder(process.env), homedir());
  assert.equal(configDir({ HOME: '/home/ada' }, 'linux'), join('/home/ada', '.config', 'ocs-auth'));
});

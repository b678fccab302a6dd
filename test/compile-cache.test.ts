import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileCacheDir } from '../src/compile-cache.ts';

const home = () => '/home/ada';

test('the compile cache goes to the platform user cache folder, never the shared temp folder', () => {
  assert.equal(compileCacheDir({}, 'linux', home), join('/home/ada', '.cache', 'ocs-auth', 'compile-cache'));
  assert.equal(compileCacheDir({ XDG_CACHE_HOME: '/var/cache/ada' }, 'linux', home), join('/var/cache/ada', 'ocs-auth', 'compile-cache'));
  assert.equal(compileCacheDir({ XDG_CACHE_HOME: 'relative/cache' }, 'linux', home), join('/home/ada', '.cache', 'ocs-auth', 'compile-cache'), 'XDG: a relative path is ignored');
  assert.equal(compileCacheDir({ XDG_CACHE_HOME: '' }, 'freebsd', home), join('/home/ada', '.cache', 'ocs-auth', 'compile-cache'));
  assert.equal(compileCacheDir({ XDG_CACHE_HOME: '/ignored' }, 'darwin', home), join('/home/ada', 'Library', 'Caches', 'ocs-auth', 'compile-cache'));
  assert.equal(compileCacheDir({ LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' }, 'win32', home), join('C:\\Users\\ada\\AppData\\Local', 'ocs-auth', 'compile-cache'));
  assert.equal(compileCacheDir({}, 'win32', home), join('/home/ada', 'AppData', 'Local', 'ocs-auth', 'compile-cache'));
});

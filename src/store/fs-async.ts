import {
  close as closeCallback,
  fsync as fsyncCallback,
  link as linkCallback,
  mkdir as mkdirCallback,
  open as openCallback,
  readdirSync,
  readFileSync,
  readlinkSync,
  rename as renameCallback,
  rm as rmCallback,
  type Stats,
  statSync,
  unlink as unlinkCallback,
  utimes as utimesCallback,
  writeFile as writeFileCallback,
} from 'node:fs';
import { promisify } from 'node:util';

// The file calls of ocs-auth's own files, as promises: node:fs/promises would load a dozen of
// Node's own modules as it is first required (readline among them, ~3 ms of each token run),
// where node:fs is loaded with Node. Files are opened as descriptors (open, then close), not
// as node:fs/promises FileHandles. Named imports: the bundle copies all of node:fs's exports
// for a namespace import.
//
// Reads are made with the synchronous calls: the files are small and local, and the first
// callback call starts libuv's thread pool, whose four threads cost a cached `token` ~2.5 ms
// of CPU, a third of what it adds to bare Node. Writes, which sync to disk and may take a
// while, go through the callbacks. A read that hangs (a home folder on a dead network share)
// now holds off Ctrl-C's handler until it returns, as it would hold the command anyway.
export const readFile = async (path: string, encoding: 'utf8'): Promise<string> => readFileSync(path, encoding);
export const stat = async (path: string): Promise<Stats> => statSync(path);
export const readdir = async (path: string): Promise<string[]> => readdirSync(path);
export const readlink = async (path: string): Promise<string> => readlinkSync(path);
export const writeFile = promisify(writeFileCallback);
export const mkdir = promisify(mkdirCallback);
export const rename = promisify(renameCallback);
export const link = promisify(linkCallback);
export const unlink = promisify(unlinkCallback);
export const rm = promisify(rmCallback);
export const utimes = promisify(utimesCallback);
export const open = promisify(openCallback);
export const fsync = promisify(fsyncCallback);
export const close = promisify(closeCallback);

import {
  close as closeCallback,
  fsync as fsyncCallback,
  link as linkCallback,
  mkdir as mkdirCallback,
  open as openCallback,
  readdir as readdirCallback,
  readFile as readFileCallback,
  readlink as readlinkCallback,
  rename as renameCallback,
  rm as rmCallback,
  stat as statCallback,
  unlink as unlinkCallback,
  utimes as utimesCallback,
  writeFile as writeFileCallback,
} from 'node:fs';
import { promisify } from 'node:util';

// The file calls of ocs-auth's own files, as promises over node:fs's callback API:
// node:fs/promises would load a dozen of Node's own modules as it is first required (readline
// among them, ~3 ms of each token run), where the callback API is loaded with Node. Files are
// opened as descriptors (open, then close), not as node:fs/promises FileHandles. Named
// imports: the bundle copies all of node:fs's exports for a namespace import.
export const readFile = promisify(readFileCallback);
export const writeFile = promisify(writeFileCallback);
export const stat = promisify(statCallback);
export const readdir = promisify(readdirCallback);
export const readlink = promisify(readlinkCallback);
export const mkdir = promisify(mkdirCallback);
export const rename = promisify(renameCallback);
export const link = promisify(linkCallback);
export const unlink = promisify(unlinkCallback);
export const rm = promisify(rmCallback);
export const utimes = promisify(utimesCallback);
export const open = promisify(openCallback);
export const fsync = promisify(fsyncCallback);
export const close = promisify(closeCallback);

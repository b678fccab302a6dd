import * as fs from 'node:fs';
import { promisify } from 'node:util';

// The file calls of ocs-auth's own files, as promises over node:fs's callback API:
// node:fs/promises would load a dozen of Node's own modules as it is first required (readline
// among them, ~3 ms of each token run), where the callback API is loaded with Node. Files are
// opened as descriptors (open, then close), not as node:fs/promises FileHandles.
export const readFile = promisify(fs.readFile);
export const writeFile = promisify(fs.writeFile);
export const stat = promisify(fs.stat);
export const readdir = promisify(fs.readdir);
export const readlink = promisify(fs.readlink);
export const mkdir = promisify(fs.mkdir);
export const rename = promisify(fs.rename);
export const link = promisify(fs.link);
export const unlink = promisify(fs.unlink);
export const rm = promisify(fs.rm);
export const utimes = promisify(fs.utimes);
export const open = promisify(fs.open);
export const fsync = promisify(fs.fsync);
export const close = promisify(fs.close);

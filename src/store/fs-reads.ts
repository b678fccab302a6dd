import { readFile as readFileCallback, stat as statCallback } from 'node:fs';
import { promisify } from 'node:util';

// The reads a cached `token` makes: node:fs/promises would load a dozen of Node's own modules
// as it is first required (~3 ms of each such run), where the callback API is already loaded.
export const readFile = promisify(readFileCallback);
export const stat = promisify(statCallback);

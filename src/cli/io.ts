import { writeSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

type Stream<T> = T & { isTTY?: boolean };

export interface IO {
  stdin: Stream<Readable>;
  stdout: Stream<Writable>;
  stderr: Stream<Writable>;
  /**
   * Writes data to stdout: at once where the descriptor takes it, else through the stream.
   * `token` prints with it: Node sets up its stdout stream on first use, which costs a cached
   * `token` more than the rest of its work does (~5 ms to a file, ~8 ms to a pipe, as in
   * `$(ocs-auth token)`).
   */
  print(text: string): void;
}

const heard = new WeakSet<Writable>();

/**
 * `stream` with a closed pipe made harmless: a reader that has gone (`ocs-auth status | head -1`)
 * wanted no more, and the rest of the output is dropped, as printTo does for `token`. Unheard,
 * Node's EPIPE 'error' event would end any other command with a stack trace and exit 1.
 */
export function droppedWhenReaderGoes<T extends Writable>(stream: T): T {
  if (heard.has(stream)) return stream;
  heard.add(stream);
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  return stream;
}

/**
 * Writes `text` to file descriptor `fd` with plain writes. A reader that has gone (EPIPE, as
 * in `ocs-auth token | true`) wanted no more of it: the rest is dropped, as a shell's own
 * commands do. Whatever else the descriptor cannot take (a pipe set non-blocking and full, or
 * any other error) goes on through `stream`, which knows how to wait and report.
 */
export function printTo(fd: number, stream: () => Writable, text: string): void {
  let rest = Buffer.from(text, 'utf8');
  try {
    while (rest.length > 0) rest = rest.subarray(writeSync(fd, rest));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return;
    stream().write(rest);
  }
}

/** A person is at the keyboard: prompts and browser logins are possible. */
export function canPrompt(io: IO): boolean {
  return Boolean(io.stdin.isTTY && io.stderr.isTTY);
}

/** Colour on stderr: a TTY, or FORCE_COLOR / CLICOLOR_FORCE (CI logs that render it); --no-color and NO_COLOR always win. */
export function wantsColor(io: IO, env: NodeJS.ProcessEnv, noColorFlag: boolean): boolean {
  return colorFor(io.stderr, env, noColorFlag);
}

/** The same rule for any stream (whoami's report colours stdout). */
export function colorFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, noColorFlag: boolean): boolean {
  if (noColorFlag || env.NO_COLOR !== undefined) return false;
  const forced = [env.FORCE_COLOR, env.CLICOLOR_FORCE].find((value) => value !== undefined && value !== '');
  if (forced !== undefined) return forced !== '0' && forced !== 'false';
  return Boolean(stream.isTTY);
}

export async function readAllStdin(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

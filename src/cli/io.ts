import type { Readable, Writable } from 'node:stream';

type Stream<T> = T & { isTTY?: boolean };

export interface IO {
  stdin: Stream<Readable>;
  stdout: Stream<Writable>;
  stderr: Stream<Writable>;
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

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

export function wantsColor(io: IO, env: NodeJS.ProcessEnv, noColorFlag: boolean): boolean {
  return Boolean(io.stderr.isTTY) && !noColorFlag && env.NO_COLOR === undefined;
}

export async function readAllStdin(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

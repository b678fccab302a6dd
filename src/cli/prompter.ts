import { InterruptedError, interruptSignal } from '../errors.js';
import type { IO } from './io.js';

export interface Choice<T> {
  name: string;
  value: T;
}

/** Questions for the person at the terminal. Only asked when canPrompt(io). */
export interface Prompter {
  input(message: string, options?: { default?: string | undefined; validate?: (value: string) => true | string }): Promise<string>;
  /** Hidden input, for secrets. */
  password(message: string): Promise<string>;
  select<T>(message: string, choices: Choice<T>[], defaultValue?: T): Promise<T>;
}

/** inquirer, reading stdin and writing stderr, so stdout stays data only. */
export async function createInquirerPrompter(io: IO, signal?: AbortSignal): Promise<Prompter> {
  const { input, password, select } = await import('@inquirer/prompts');
  const context = { input: io.stdin, output: io.stderr, ...(signal ? { signal } : {}) };
  const interruptible = async <T>(question: Promise<T>): Promise<T> => {
    try {
      return await question;
    } catch (error) {
      // Exit: Ctrl-C at the prompt (raw mode turns it into a key) or a signal; Abort: our signal.
      if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) {
        // A signal from elsewhere (SIGTERM, kill -INT) aborts `signal`; say which one it was.
        if (signal?.aborted) throw new InterruptedError(`interrupted by ${interruptSignal(signal)}`, { signal: interruptSignal(signal) });
        throw new InterruptedError('interrupted');
      }
      throw error;
    }
  };
  return {
    input: (message, options = {}) =>
      interruptible(
        input(
          {
            message,
            ...(options.default === undefined ? {} : { default: options.default }),
            ...(options.validate ? { validate: options.validate } : {}),
          },
          context,
        ),
      ),
    password: (message) => interruptible(password({ message, mask: '*' }, context)),
    select: (message, choices, defaultValue) =>
      interruptible(select({ message, choices, ...(defaultValue === undefined ? {} : { default: defaultValue }) }, context)),
  };
}

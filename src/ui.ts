import { Chalk, type ChalkInstance } from 'chalk';
import type { IO } from './io.js';

/** Messages for people: always stderr, coloured only when stderr is a TTY and colour is wanted. */
export class Ui {
  readonly style: ChalkInstance;
  private warned = new Set<string>();

  constructor(
    private readonly io: IO,
    color: boolean,
  ) {
    this.style = new Chalk({ level: color ? 1 : 0 });
  }

  info(message: string): void {
    this.io.stderr.write(`${message}\n`);
  }

  success(message: string): void {
    this.io.stderr.write(`${this.style.green('✓')} ${message}\n`);
  }

  /** The same warning is said once per run, however often the cause recurs. */
  warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.io.stderr.write(`${this.style.yellow('warning:')} ${message}\n`);
  }

  error(message: string, hint?: string): void {
    this.io.stderr.write(`${this.style.red('error:')} ${message}\n`);
    if (hint) this.io.stderr.write(`${this.style.dim('hint:')} ${hint}\n`);
  }
}

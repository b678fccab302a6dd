import { stripVTControlCharacters } from 'node:util';
import { Chalk, type ChalkInstance } from 'chalk';
import type { IO } from './io.js';

// What stripVTControlCharacters leaves of C0 (tab and newline are layout, kept), DEL and C1.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text as it may reach a terminal: no escape sequences (cursor moves, screen clears, window
 * titles, hyperlinks) and no other control characters, printable Unicode untouched. Servers
 * write error descriptions, names and claims; none of them may drive the terminal.
 */
export function terminalText(text: string): string {
  return stripVTControlCharacters(text).replace(CONTROL_CHARACTERS, '');
}

/**
 * Messages for people: always stderr, coloured only when stderr is a TTY and colour is
 * wanted. Every message passes terminalText before it is styled, so whatever a server put
 * into it is shown, not obeyed.
 */
export class Ui {
  private warned = new Set<string>();
  private chalk: ChalkInstance | undefined;

  constructor(
    private readonly io: IO,
    private readonly wantsColor: () => boolean,
  ) {}

  /**
   * Made on first use: a cached `token` says nothing, and loading chalk (~2 ms) or asking
   * whether stderr is a terminal (which makes Node set up the stream) would cost it.
   */
  get style(): ChalkInstance {
    return (this.chalk ??= new Chalk({ level: this.wantsColor() ? 1 : 0 }));
  }

  info(message: string): void {
    this.io.stderr.write(`${terminalText(message)}\n`);
  }

  /** Secondary detail (a trace line, a stack), dimmed. */
  detail(message: string): void {
    this.io.stderr.write(`${this.style.dim(terminalText(message))}\n`);
  }

  success(message: string): void {
    this.io.stderr.write(`${this.style.green('✓')} ${terminalText(message)}\n`);
  }

  /** The same warning is said once per run, however often the cause recurs. */
  warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.io.stderr.write(`${this.style.yellow('warning:')} ${terminalText(message)}\n`);
  }

  error(message: string, hint?: string): void {
    this.io.stderr.write(`${this.style.red('error:')} ${terminalText(message)}\n`);
    if (hint) this.io.stderr.write(`${this.style.dim('hint:')} ${terminalText(hint)}\n`);
  }
}

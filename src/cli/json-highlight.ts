import type { ChalkInstance } from 'chalk';

// Strings (keys apart), the literals, and numbers, in one left-to-right pass: a number inside a
// string is taken with its string, never on its own.
const TOKENS = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** JSON indented by two, coloured as jq does: keys blue, strings green, numbers and literals apart. */
export function highlightJson(value: unknown, style: ChalkInstance): string {
  return JSON.stringify(value, null, 2).replace(TOKENS, (match, string: string | undefined, colon: string | undefined, literal: string | undefined) => {
    if (string !== undefined) return colon !== undefined ? `${style.blue.bold(string)}${colon}` : style.green(string);
    if (literal !== undefined) return literal === 'null' ? style.dim(literal) : style.yellow(literal);
    return style.cyan(match);
  });
}

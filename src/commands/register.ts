import type { Command } from 'commander';
import type { Deps } from './deps.js';

/** Set by a command whose success is not plain 0 (exec passes on its child's code). */
export interface Outcome {
  exitCode: number;
}

/** What each command file exports: it adds itself, its options and its action to the program. */
export type Register = (program: Command, deps: Deps, outcome: Outcome) => void;

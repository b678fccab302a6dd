// One class per exit code of the SPEC. Flows throw these; src/main.ts turns them into
// one line on stderr and an exit status. Anything else reaching main is a bug (exit 1).

export interface ErrorDetails {
  hint?: string | undefined;
  cause?: unknown;
}

export abstract class OcsAuthError extends Error {
  abstract readonly exitCode: number;
  readonly hint: string | undefined;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.hint = details.hint;
  }
}

/** Bad flag, missing tenant/client, unreadable config: the user must change the command or the config. */
export class UsageError extends OcsAuthError {
  readonly exitCode = 2;
}

/**
 * The config folder (or a file or folder in it) cannot be written: permissions, a read-only
 * mount, no home at all. Still the user's to fix, unless nothing needs keeping.
 */
export class NotWritableError extends UsageError {}

/**
 * A folder or file of ocs-auth's state that another user could change (or, for secrets, read):
 * refused wherever it is met, even where a file merely failing to be written is only a warning.
 */
export class UntrustedPathError extends UsageError {}

/** Nothing usable is stored and the refresh (if any) was refused: someone must log in. */
export class LoginRequiredError extends OcsAuthError {
  readonly exitCode = 3;
}

/**
 * What is stored belongs to another server, client or tenant than the settings in force (a
 * flag or environment variable points the profile elsewhere); nothing was sent. A login is
 * still what it takes, but never an automatic one: that would silently move the profile.
 */
export class CredentialsElsewhereError extends LoginRequiredError {}

/** The server said no to these credentials: invalid_client, invalid_grant, API 401/403. */
export class CredentialsRejectedError extends OcsAuthError {
  readonly exitCode = 4;
}

/** Unreachable, timed out, 5xx, 429, or an answer we cannot use. */
export class NetworkError extends OcsAuthError {
  readonly exitCode = 5;
}

/**
 * The endpoint is not there (DNS failure, connection refused, 404): a cached discovery
 * document may be out of date, so it is worth fetching again once.
 */
export class EndpointUnreachableError extends NetworkError {}

/**
 * `api` only: the API answered a 4xx other than 401/403 (a bad request, a missing resource).
 * Its body is on stdout, for the script to read; the error is the one line on stderr.
 */
export class ApiError extends OcsAuthError {
  readonly exitCode = 6;
}

export type InterruptSignal = 'SIGINT' | 'SIGTERM';

/** What a shell reports for a process a signal ended: 128 + the signal's number. */
const SIGNAL_EXIT_CODES: Record<InterruptSignal, number> = { SIGINT: 130, SIGTERM: 143 };

/** Ctrl-C (SIGINT, exit 130) or SIGTERM (exit 143): what was opened is closed, nothing half-written. */
export class InterruptedError extends OcsAuthError {
  readonly exitCode: number;

  constructor(message: string, details: ErrorDetails & { signal?: InterruptSignal | undefined } = {}) {
    super(message, details);
    this.exitCode = SIGNAL_EXIT_CODES[details.signal ?? 'SIGINT'];
  }
}

/** The signal an aborted interrupt signal stands for: main() aborts with the signal's name as reason. */
export function interruptSignal(signal: AbortSignal): InterruptSignal {
  return signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
}

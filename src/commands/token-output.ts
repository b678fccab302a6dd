// The shapes `ocs-auth token` prints (SPEC "Output"): the bare token, a shell command that
// exports it, an HTTP header, or one JSON document. Each ends in one newline and holds
// nothing else, so `$(…)`, `eval "$(…)"` and `| jq` take it as it is.
import type { Flow } from '../config/config-file.js';
import type { StoredToken } from '../flows/stored-token.js';

/** The syntaxes `--export` writes. */
export type Shell = 'sh' | 'fish' | 'powershell';
/** What --shell accepts: bash and zsh by name too, since people type their shell's name; both read sh. */
export const SHELL_NAMES = ['sh', 'bash', 'zsh', 'fish', 'powershell'] as const;
export type ShellName = (typeof SHELL_NAMES)[number];

export type TokenFormat = { kind: 'raw' } | { kind: 'export'; shell: Shell } | { kind: 'header' } | { kind: 'json' };

export interface TokenOutputOptions {
  export?: boolean;
  shell?: ShellName;
  header?: boolean;
  json?: boolean;
}

/** The variable that `--export` sets, and that `exec` gives its command. */
export const TOKEN_VARIABLE = 'OCS_TOKEN';

/**
 * `--export` is sh syntax unless --shell says otherwise, whatever $SHELL is: $SHELL names the
 * person's login shell, not the shell that evals the output (a bash script run by a fish
 * user would fail silently on fish syntax).
 */
export function tokenFormat(options: TokenOutputOptions): TokenFormat {
  if (options.json) return { kind: 'json' };
  if (options.header) return { kind: 'header' };
  if (options.export || options.shell) return { kind: 'export', shell: options.shell ? syntaxOf(options.shell) : 'sh' };
  return { kind: 'raw' };
}

function syntaxOf(name: ShellName): Shell {
  return name === 'bash' || name === 'zsh' ? 'sh' : name;
}

/** What a token was issued for, besides what the stored token itself records. */
export interface TokenSession {
  profile: string;
  flow: Flow;
}

/** `token --json`: exactly these keys, in this order (SPEC "Output"). */
export interface TokenDocument {
  access_token: string;
  token_type: 'Bearer';
  /** ISO 8601, UTC. */
  expires_at: string;
  /** Whole seconds left, never negative. */
  expires_in: number;
  profile: string;
  flow: Flow;
  /** Null for a CONNECT account. */
  tenant_id: string | null;
  resource: string;
  /**
   * CONNECT accounts only, after the SPEC's keys: a tenant's document stays exactly the
   * documented one, and tenant_id is there (null) for an account, so readers need no guard.
   */
  account_id?: string;
}

export function tokenDocument(token: StoredToken, session: TokenSession, nowMs: number): TokenDocument {
  return {
    access_token: token.access_token,
    token_type: token.token_type,
    expires_at: new Date(token.expires_at).toISOString(),
    expires_in: secondsLeft(token.expires_at, nowMs),
    profile: session.profile,
    flow: session.flow,
    tenant_id: token.tenant_id,
    resource: token.resource,
    ...(token.account_id === null ? {} : { account_id: token.account_id }),
  };
}

export function secondsLeft(expiresAtMs: number, nowMs: number): number {
  return Math.max(0, Math.floor((expiresAtMs - nowMs) / 1000));
}

export function formatToken(format: TokenFormat, token: StoredToken, session: TokenSession, nowMs: number): string {
  switch (format.kind) {
    case 'raw':
      return `${token.access_token}\n`;
    case 'header':
      return `Authorization: Bearer ${token.access_token}\n`;
    case 'export':
      return `${exportCommand(format.shell, TOKEN_VARIABLE, token.access_token)}\n`;
    case 'json':
      return `${JSON.stringify(tokenDocument(token, session, nowMs), null, 2)}\n`;
  }
}

/** One command that sets an environment variable for the rest of the session, in the shell's own syntax. */
export function exportCommand(shell: Shell, name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a variable name: ${name}`);
  switch (shell) {
    case 'sh':
      return `export ${name}=${quoteSh(value)}`;
    case 'fish':
      return `set -gx ${name} ${quoteFish(value)}`;
    case 'powershell':
      return `$env:${name} = ${quotePowerShell(value)}`;
  }
}

// Tokens are base64url and dots, so none of these ever has work to do; they are written
// to be right for any string all the same, because what they guard against is eval.

/** POSIX sh: nothing is special inside '…' except ', which is closed, escaped and reopened. */
export function quoteSh(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** fish: inside '…' only \' and \\ are escapes (any other backslash is literal). */
export function quoteFish(value: string): string {
  return `'${value.replace(/[\\']/g, '\\$&')}'`;
}

/**
 * PowerShell: inside '…' a quote is doubled; PowerShell also takes the typographic single
 * quotes ‘ ’ ‚ ‛ as quotes, so those are doubled too.
 */
export function quotePowerShell(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, '$&$&')}'`;
}

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { withoutSecrets } from '../config/secret-variables.js';

export type BrowserOutcome = { opened: true } | { opened: false; reason: string };

/**
 * Shows a URL to the person in a browser: the command in BROWSER when set (given the URL as
 * its argument, or in place of a "%s"), else the `open` package. Never throws: a login can
 * always go on with the URL printed for the person to open elsewhere.
 */
export async function openBrowser(url: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, procVersion: () => string = readProcVersion): Promise<BrowserOutcome> {
  const command = env.BROWSER?.trim();
  try {
    if (command) {
      await runBrowserCommand(command, url, withoutSecrets(env, platform));
      return { opened: true };
    }
    const unavailable = whyNoBrowser(env, platform, procVersion);
    if (unavailable) return { opened: false, reason: unavailable };
    // `open` starts the browser with this process's environment: a browser may live for hours,
    // and the login that opens it (PKCE, device code) needs no client secret from here on.
    const kept = withoutSecrets(process.env, platform);
    for (const name of Object.keys(process.env)) if (!(name in kept)) delete process.env[name];
    const { default: open } = await import('open');
    await open(url);
    return { opened: true };
  } catch (error) {
    return { opened: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Where opening a browser would show it to nobody, or worse, start a text browser on the
 * terminal this login is using (xdg-open's last resort), say why instead. WSL needs no
 * display: `open` starts the Windows default browser through PowerShell there (unless in
 * SSH or a container), so it is only kept from trying over SSH, like everywhere else.
 */
export function whyNoBrowser(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, procVersion: () => string = readProcVersion): string | undefined {
  const ssh = Boolean(env.SSH_CONNECTION || env.SSH_TTY);
  if (platform === 'linux' && !isWsl(env, procVersion)) {
    if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return ssh ? 'an SSH session without a display' : 'no display: DISPLAY and WAYLAND_DISPLAY are unset';
    return undefined;
  }
  return ssh ? 'an SSH session: a browser would open on the remote machine' : undefined;
}

/**
 * WSL_DISTRO_NAME is lost under sudo and in some service shells; the kernel's version string
 * (what `open` itself checks) names Microsoft on WSL 1 and 2 alike.
 */
function isWsl(env: NodeJS.ProcessEnv, procVersion: () => string): boolean {
  return Boolean(env.WSL_DISTRO_NAME) || /microsoft/i.test(procVersion());
}

function readProcVersion(): string {
  try {
    return readFileSync('/proc/version', 'utf8');
  } catch {
    return '';
  }
}

/** BROWSER may carry arguments ("firefox --new-window"); words are split like a shell would, without one. */
async function runBrowserCommand(command: string, url: string, env: NodeJS.ProcessEnv): Promise<void> {
  const words = splitWords(command);
  const [program, ...args] = words.some((word) => word.includes('%s')) ? words.map((word) => word.replaceAll('%s', url)) : [...words, url];
  if (!program) throw new Error('BROWSER is empty');
  // Detached and unreferenced: a browser started here may outlive this login by hours.
  const child = spawn(program, args, { stdio: 'ignore', detached: true, env });
  await new Promise<void>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => reject(new Error(`cannot run BROWSER command "${program}": ${error.code ?? error.message}`)));
    child.once('spawn', () => resolve());
  });
  child.unref();
}

export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (const char of text) {
    if (quote) {
      if (char === quote) quote = undefined;
      else word = (word ?? '') + char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= '';
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + char;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

import { type Command, InvalidArgumentError, Option } from 'commander';
import { type Flow, type Profile, saveProfile } from '../config/config-file.js';
import { loginClientCredentials } from '../flows/access-token.js';
import { personName } from '../flows/jwt.js';
import type { Tenant } from '../flows/tenant.js';
import { CredentialsRejectedError, UsageError } from '../errors.js';
import { canPrompt, readAllStdin } from '../cli/io.js';
import type { Register } from './register.js';
import { type CompleteSettings, DEFAULT_API_VERSION, DEFAULT_PROFILE, DEFAULT_REDIRECT_URI, derivedDiscoveryUrl, requireComplete } from '../config/settings.js';
import { startSpinner } from '../cli/spinner.js';
import { type CommandContext, createContext, type FlowOptions, type ProfileOptions, settingFlags } from './context.js';
import { addFlowOptions, addProfileOptions, EXIT_STATUS_HELP, seconds } from './options.js';

export interface LoginOptions extends ProfileOptions, FlowOptions {
  clientSecretStdin?: boolean;
  redirectUri?: string;
  scope?: string;
  /** False with --no-browser: only print the URL. */
  browser: boolean;
  timeout: number;
}

export const DEFAULT_LOGIN_TIMEOUT_SECONDS = 300;

export const register: Register = (program, deps) => {
  const command = program
    .command('login')
    .description('log in and keep the credentials: a browser login (--pkce), a code entered in a browser anywhere (--device-code), or a client secret (--client-credentials)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  ocs-auth login --pkce\n' +
        '  ocs-auth login --device-code             # over SSH, in a container, on a machine without a browser\n' +
        '  ocs-auth login --client-credentials --client-secret-stdin < secret.txt\n' +
        `\n${EXIT_STATUS_HELP}`,
    );
  addFlowOptions(command);
  addProfileOptions(command);
  command
    .option('--client-secret-stdin', 'read the client secret from stdin (else OCS_CLIENT_SECRET, else a hidden prompt)')
    .option('--redirect-uri <uri>', 'PKCE redirect URI registered for the client (default http://localhost:5004/callback.html)')
    .option('--scope <scopes>', 'scopes to ask for, as given (default "openid ocsapi offline_access", for an account "openid api offline_access"; without offline_access no refresh token)')
    .option('--no-browser', 'PKCE: print the login URL instead of opening a browser; device code: do not offer to open one')
    .addOption(new Option('--timeout <seconds>', 'PKCE: how long to wait for the browser to come back').default(DEFAULT_LOGIN_TIMEOUT_SECONDS).argParser(positiveSeconds))
    .action(async (options: LoginOptions, self: Command) => run(options, createContext(deps, self.optsWithGlobals()), typedFlags(self)));
};

/** The flags typed on the command line (not defaults), as the person wrote them. */
export function typedFlags(command: Command): Set<string> {
  return new Set(command.options.filter((option) => command.getOptionValueSource(option.attributeName()) === 'cli').map((option) => option.long ?? ''));
}

export async function run(options: LoginOptions, context: CommandContext, typed: Set<string>): Promise<void> {
  const settings = requireComplete(await context.settings(settingFlags(options), { createsProfile: true }));
  rejectOtherFlowFlags(typed, settings);
  await logIn(context, settings, options);
}

/** Flags that fit only some flows, and which. */
const FLAG_FLOWS: Record<string, Flow[]> = {
  '--no-browser': ['pkce', 'device-code'],
  '--redirect-uri': ['pkce'],
  '--timeout': ['pkce'],
  '--client-secret-stdin': ['client-credentials'],
};
const FLOW_WORDS: Record<Flow, string> = {
  pkce: 'a browser login (--pkce)',
  'client-credentials': 'client credentials (--client-credentials)',
  'device-code': 'a device-code login (--device-code)',
};

/**
 * A flag for another flow is a mistake to say at once: ignored, it leaves the person
 * waiting for a browser that will never open, or wondering where the secret went. The flow
 * may come from the profile or the environment, so this runs on the resolved settings.
 */
export function rejectOtherFlowFlags(typed: Set<string>, settings: { flow: Flow; profile: string; profileExists: boolean }): void {
  const wrong = Object.keys(FLAG_FLOWS).filter((flag) => typed.has(flag) && !FLAG_FLOWS[flag]!.includes(settings.flow));
  if (wrong.length === 0) return;
  const fits = [...new Set(wrong.flatMap((flag) => FLAG_FLOWS[flag]!))];
  const from = typed.has(`--${settings.flow}`) ? `--${settings.flow} was given` : settings.profileExists ? `profile "${settings.profile}" logs in with ${settings.flow}` : `the flow is ${settings.flow}`;
  throw new UsageError(`${wrong.join(', ')} ${wrong.length > 1 ? 'are' : 'is'} only for ${fits.map((flow) => FLOW_WORDS[flow]).join(' or ')}, but ${from}`, {
    hint: `drop ${wrong.length > 1 ? 'them' : 'it'}, or choose ${fits.length > 1 ? 'one of those flows' : `that flow with --${fits[0]}`}`,
  });
}

/**
 * The token endpoint refused a client id and secret: invalid_client says only that one of the
 * two is wrong (OCS answers it for an unknown client too), so the hint names both, and where the
 * secret came from.
 */
export function rejectedClientHint(settings: CompleteSettings, secret: string): string {
  return `check both the client id (${settings.clientId}) and ${secret}`;
}

/** How to log in, for `login` itself and for commands that find a login is needed on a TTY. */
export type LoginHow = Pick<LoginOptions, 'clientSecretStdin' | 'browser' | 'timeout'> & {
  /** Started by another command: the profile's settings are filled in, never changed. */
  automatic?: boolean;
};

export async function logIn(context: CommandContext, settings: CompleteSettings, how: LoginHow): Promise<void> {
  if (settings.flow === 'pkce') return loginInBrowser(how, context, settings);
  if (settings.flow === 'device-code') return loginWithCode(how, context, settings);

  const clientSecret = await readClientSecret(how, context);
  const fromEnvironment = !how.clientSecretStdin && clientSecret === context.deps.env.OCS_CLIENT_SECRET;
  const { tenant } = await loginClientCredentials(context.flowDeps(settings.storage, settings), settings, clientSecret).catch((error: unknown) => {
    if (!(error instanceof CredentialsRejectedError) || error.hint !== undefined) throw error;
    const secret = fromEnvironment ? 'the client secret in OCS_CLIENT_SECRET (unset it to be asked for one)' : 'the client secret given';
    throw new CredentialsRejectedError(error.message, { hint: rejectedClientHint(settings, secret), cause: error });
  });
  await rememberProfile(context, settings, how);
  context.ui.success(`Logged in to ${where(settings, tenant)} as client ${settings.clientId} [profile ${settings.profile}]`);
}

async function loginInBrowser(options: LoginHow, context: CommandContext, settings: CompleteSettings): Promise<void> {
  const { deps, ui } = context;
  // Imported on use: node:crypto and node:http stay off the start-up of every other command.
  const { loginWithBrowser } = await import('../flows/browser-login.js');
  // A person at this terminal can paste the address a browser elsewhere ended on.
  const canPaste = Boolean(deps.io.stdin.isTTY);
  let stopSpinner = () => {};
  try {
    const login = await loginWithBrowser(context.flowDeps(settings.storage, settings), {
      settings,
      timeoutMs: options.timeout * 1000,
      // main() aborts it on the first Ctrl-C or SIGTERM: the server closes, nothing is stored.
      signal: deps.interrupted,
      showAuthorizeUrl: async (url, offers) => {
        // The URL is always shown: the browser may open on another screen, or not at all.
        ui.info(options.browser ? 'Opening a browser to log in. If none opens, open this URL:' : 'Open this URL in a browser to log in:');
        ui.info(`  ${url}`);
        const deviceCode = offers.deviceCode ? `; or log in with a code entered on any device: ${deviceLoginCommand(settings)}` : '';
        if (options.browser) {
          const outcome = await deps.openBrowser(url);
          if (!outcome.opened) ui.warn(`could not open a browser (${outcome.reason}); open the URL above yourself${deviceCode}`);
        } else if (deviceCode) {
          const { whyNoBrowser } = await import('../flows/browser.js');
          const unavailable = whyNoBrowser(deps.env, process.platform);
          if (unavailable) ui.info(`No browser here (${unavailable}): open the URL on another machine${deviceCode}`);
        }
        if (canPaste) {
          ui.info(`If the browser runs on another machine, paste the address it ended on (${settings.redirectUri}?code=…) here and press Enter.`);
          // A spinner would redraw over what the person pastes.
          ui.info(`Waiting for the browser login (Ctrl-C to cancel, gives up after ${options.timeout} s)…`);
        } else if (deps.io.stderr.isTTY) {
          stopSpinner = startSpinner(deps.io.stderr, `Waiting for the browser login (Ctrl-C to cancel, gives up after ${options.timeout} s)`);
        } else {
          // Without a terminal there is no spinner: a log must still say what the process waits for.
          ui.info(`Waiting up to ${options.timeout} s for the URL above to be opened in a browser, on this machine or another.`);
        }
      },
      ...(canPaste && {
        acceptPastedAddress: (take: (address: string) => string | undefined) => {
          const stop = onLines(deps.io.stdin, (line) => {
            if (!line.trim()) return;
            const refused = take(line);
            if (refused) ui.warn(`${refused}; still waiting`);
            else stop();
          });
          return stop;
        },
      }),
      onBrowserReturned: () => stopSpinner(),
    });
    await rememberProfile(context, settings, options);
    ui.success(`Logged in to ${where(settings, login.tenant)} as ${personName(login.claims) ?? 'an unnamed user'} [profile ${settings.profile}]`);
  } finally {
    stopSpinner();
  }
}

function deviceLoginCommand(settings: CompleteSettings): string {
  return `ocs-auth login --device-code${settings.profile === DEFAULT_PROFILE ? '' : ` --profile ${settings.profile}`} (with a device-code client)`;
}

/**
 * The codes go to stderr, so a person on SSH can read them off and use any browser; on a
 * terminal, Enter opens the page here. Polling runs meanwhile, so a phone works as well.
 */
async function loginWithCode(options: LoginHow, context: CommandContext, settings: CompleteSettings): Promise<void> {
  const { deps, ui } = context;
  const { loginWithDeviceCode } = await import('../flows/device-code.js');
  let stopSpinner = () => {};
  let stopListening = () => {};
  try {
    const login = await loginWithDeviceCode(context.flowDeps(settings.storage, settings), {
      settings,
      signal: deps.interrupted,
      showCode: async ({ userCode, verificationUri, verificationUriComplete, expiresAt }) => {
        // New codes (the server refused the first scope) replace the ones shown before.
        stopSpinner();
        stopListening();
        ui.info('To log in, open this page in a browser, on this machine or any other (a phone will do):');
        ui.info(`  ${verificationUri}`);
        ui.info(`and enter the code:  ${ui.style.bold(userCode)}`);
        if (verificationUriComplete) {
          ui.info('Or open this page, which has the code in it:');
          ui.info(`  ${verificationUriComplete}`);
          // Imported on use: the QR code is for a person at a terminal, never for a log.
          if (canPrompt(deps.io)) {
            ui.info('or scan it with a phone:');
            ui.info((await import('../cli/qr.js')).terminalQrCode(verificationUriComplete));
          }
        }
        const page = verificationUriComplete ?? verificationUri;
        if (options.browser && canPrompt(deps.io)) {
          ui.info('Press Enter to open it in a browser here.');
          stopListening = onEnter(deps.io.stdin, async () => {
            const outcome = await deps.openBrowser(page);
            if (!outcome.opened) ui.warn(`could not open a browser (${outcome.reason}); open the page above yourself`);
          });
        }
        const minutes = Math.max(1, Math.round((expiresAt - deps.now()) / 60_000));
        stopSpinner = startSpinner(deps.io.stderr, `Waiting for the code to be entered (Ctrl-C to cancel, it expires in ${minutes} min)`);
      },
    });
    stopSpinner();
    await rememberProfile(context, settings, options);
    ui.success(`Logged in to ${where(settings, login.tenant)} as ${personName(login.claims) ?? 'an unnamed user'} [profile ${settings.profile}]`);
  } finally {
    stopListening();
    stopSpinner();
  }
}

/** Calls `action` on the first line typed; the returned function stops listening and lets stdin go. */
function onEnter(stdin: CommandContext['deps']['io']['stdin'], action: () => Promise<void>): () => void {
  const stop = onLines(stdin, () => {
    stop();
    void action();
  });
  return stop;
}

/** Calls `handle` with each line typed; the returned function stops listening and lets stdin go. */
function onLines(stdin: CommandContext['deps']['io']['stdin'], handle: (line: string) => void): () => void {
  let pending = '';
  let stopped = false;
  const listener = (chunk: Buffer | string) => {
    const lines = (pending + chunk.toString()).split(/\r?\n|\r/);
    pending = lines.pop() ?? '';
    // Lines pasted together after the one that stopped the listening are not for it.
    for (const line of lines) if (!stopped) handle(line);
  };
  const stop = () => {
    stopped = true;
    stdin.off('data', listener);
    stdin.pause();
  };
  stdin.on('data', listener);
  stdin.resume();
  return stop;
}

function where(settings: CompleteSettings, tenant: Tenant | undefined): string {
  if (!tenant) return `account ${settings.accountId}`;
  return `tenant ${tenant.CompanyName ? `"${tenant.CompanyName}" (${tenant.Id})` : tenant.Id}`;
}

function positiveSeconds(value: string): number {
  const parsed = seconds(value);
  if (parsed === 0) throw new InvalidArgumentError('expected at least 1 second');
  return parsed;
}

async function readClientSecret(options: LoginHow, { deps }: CommandContext): Promise<string> {
  if (options.clientSecretStdin) {
    const secret = (await readAllStdin(deps.io.stdin)).replace(/\r?\n$/, '');
    if (!secret) throw new UsageError('--client-secret-stdin given but stdin was empty');
    return secret;
  }
  if (deps.env.OCS_CLIENT_SECRET) return deps.env.OCS_CLIENT_SECRET;
  if (!canPrompt(deps.io)) {
    throw new UsageError('no client secret given', { hint: 'pipe it to --client-secret-stdin, or set OCS_CLIENT_SECRET' });
  }
  const secret = await (await deps.createPrompter()).password('Client secret');
  if (!secret) throw new UsageError('no client secret given');
  return secret;
}

/**
 * Later commands must find what this login used, so the profile keeps it, merged into the
 * file as it is when written: another process may have changed it while we waited on the server.
 * A login another command started fills in what the profile lacks and changes nothing:
 * an OCS_RESOURCE exported for some other purpose must not move the profile for good.
 */
async function rememberProfile(context: CommandContext, settings: CompleteSettings, how: Pick<LoginHow, 'automatic'>): Promise<void> {
  const used: Profile = {
    resource: settings.resource,
    client_id: settings.clientId,
    flow: settings.flow,
  };
  if (settings.accountId === undefined) used.tenant_id = settings.tenantId;
  else used.account_id = settings.accountId;
  // Only a configured discovery URL is kept: a derived one follows resource and tenant/account.
  if (settings.discoveryUrl !== derivedDiscoveryUrl(settings.resource, settings.accountId)) used.discovery_url = settings.discoveryUrl;
  if (settings.apiVersion !== DEFAULT_API_VERSION) used.api_version = settings.apiVersion;
  if (settings.redirectUri !== DEFAULT_REDIRECT_URI) used.redirect_uri = settings.redirectUri;
  if (settings.scope) used.scope = settings.scope;
  if (settings.storage) used.storage = settings.storage;
  await saveProfile(context.configDir, settings.profile, (existing = {}) => {
    const [kept, added] = how.automatic ? [existing, used] : [used, existing];
    const profile: Profile = { ...added, ...kept };
    // Tenant and account are one setting in two forms: a profile naming both is refused.
    if (kept.tenant_id !== undefined || kept.account_id !== undefined) {
      if (kept.tenant_id === undefined) delete profile.tenant_id;
      if (kept.account_id === undefined) delete profile.account_id;
    }
    return profile;
  });
}

// `ocs-auth token`'s arguments read without commander, for the runs that need nothing else of
// it: loading commander is a good part of the start-up of a cached token, and of a new one.
// Only plain arguments are read here. Help, an option it does not know, a value or combination
// commander would refuse: all go to commander, which answers them as it always does.
// test/commands/token-args.test.ts holds this reading to commander's for the same arguments.
// It is not node:util's parseArgs: setting that up costs a cached token ~1 ms, an eighth of
// what it adds to bare Node, for what is here a loop over a fixed table.
import { DEFAULT_MIN_VALIDITY_SECONDS } from '../flows/cached-token.js';
import { STORAGE_KINDS } from '../store/secret-store.js';
import { type FlowOptions, type ProfileOptions, wholeSeconds } from './context.js';
import { SHELL_NAMES, type TokenOutputOptions } from './token-output.js';

export interface TokenOptions extends ProfileOptions, FlowOptions, TokenOutputOptions {
  minValidity: number;
  force?: boolean;
}

/** `token`'s options, spelled as commander declares them (`-p` is `--profile`). */
const TOKEN_OPTIONS = {
  pkce: { type: 'boolean' },
  'client-credentials': { type: 'boolean' },
  'device-code': { type: 'boolean' },
  profile: { type: 'string' },
  resource: { type: 'string' },
  'api-version': { type: 'string' },
  'tenant-id': { type: 'string' },
  'account-id': { type: 'string' },
  'discovery-url': { type: 'string' },
  'client-id': { type: 'string' },
  storage: { type: 'string' },
  'min-validity': { type: 'string' },
  force: { type: 'boolean' },
  shell: { type: 'string' },
  export: { type: 'boolean' },
  header: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

type OptionValues = { [name in keyof typeof TOKEN_OPTIONS]?: (typeof TOKEN_OPTIONS)[name]['type'] extends 'string' ? string : boolean };

/**
 * `token`'s options as commander would hand them to its action, or undefined where commander
 * would answer otherwise (help, an error) or where the reading is not plain: an option given
 * a value twice (commander checks each as it comes: `--shell csh --shell fish` is exit 2), a
 * value that looks like an option (`--profile --json` is a profile named "--json" to
 * commander), a flag given a value, anything that is not an option.
 */
export function parseTokenArgs(args: string[]): TokenOptions | undefined {
  const values = readOptions(args);
  if (values === undefined) return undefined;
  const minValidity = values['min-validity'] === undefined ? DEFAULT_MIN_VALIDITY_SECONDS : wholeSeconds(values['min-validity']);
  const { storage, shell } = values;
  if (minValidity === undefined) return undefined;
  if (storage !== undefined && !(STORAGE_KINDS as readonly string[]).includes(storage)) return undefined;
  if (shell !== undefined && !(SHELL_NAMES as readonly string[]).includes(shell)) return undefined;
  // The conflicts commander declares: one flow, one output form (--shell implies --export).
  if (count(values.pkce, values['client-credentials'], values['device-code']) > 1) return undefined;
  if (count(values.export || shell !== undefined, values.header, values.json) > 1) return undefined;
  const options: TokenOptions = { minValidity };
  const set = <K extends keyof TokenOptions>(key: K, value: TokenOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set('pkce', values.pkce);
  set('clientCredentials', values['client-credentials']);
  set('deviceCode', values['device-code']);
  set('profile', values.profile);
  set('resource', values.resource);
  set('apiVersion', values['api-version']);
  set('tenantId', values['tenant-id']);
  set('accountId', values['account-id']);
  set('discoveryUrl', values['discovery-url']);
  set('clientId', values['client-id']);
  set('storage', storage as TokenOptions['storage']);
  set('force', values.force);
  set('shell', shell as TokenOptions['shell']);
  set('export', values.export || (shell !== undefined ? true : undefined));
  set('header', values.header);
  set('json', values.json);
  return options;
}

function readOptions(args: string[]): OptionValues | undefined {
  const values: Record<string, string | boolean> = {};
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    if (arg === '--' && index === args.length - 1) break;
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const equals = arg.indexOf('=');
      name = equals === -1 ? arg.slice(2) : arg.slice(2, equals);
      inline = equals === -1 ? undefined : arg.slice(equals + 1);
    } else if (arg.startsWith('-p')) {
      name = 'profile';
      inline = arg.length > 2 ? arg.slice(2) : undefined;
    } else {
      return undefined;
    }
    if (!Object.hasOwn(TOKEN_OPTIONS, name)) return undefined;
    if (TOKEN_OPTIONS[name as keyof typeof TOKEN_OPTIONS].type === 'boolean') {
      if (inline !== undefined) return undefined;
      values[name] = true;
      continue;
    }
    const value = inline ?? args[(index += 1)];
    if (value === undefined || (inline === undefined && value.startsWith('-'))) return undefined;
    if (Object.hasOwn(values, name)) return undefined;
    values[name] = value;
  }
  return values as OptionValues;
}

function count(...flags: Array<boolean | undefined>): number {
  return flags.filter(Boolean).length;
}

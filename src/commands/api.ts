import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Register } from './register.js';
import { createContext, type FlowOptions, type NamespaceOptions, type ProfileOptions } from './context.js';
import { addCacheOptions, addFlowOptions, addNamespaceOption, addProfileOptions } from './options.js';

export interface ApiOptions extends ProfileOptions, FlowOptions, NamespaceOptions {
  method?: string;
  header?: string[];
  field?: string[];
  typedField?: string[];
  input?: string;
  include?: boolean;
  paginate?: boolean;
  slurp?: boolean;
  maxPages: number;
  minValidity: number;
  force?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * A server that hands out a new continuation token with every page would be followed forever:
 * far more pages than a real list holds at any sensible count (OCS pages hold up to 1,000).
 */
const MAX_PAGES = 10_000;

function pageCount(value: string): number {
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new InvalidArgumentError('expected a whole number of pages, at least 1');
  return Number(value);
}

export const register: Register = (program, deps) => {
  const command = program
    .command('api')
    .description('send an authenticated request to the API, as `gh api` does; the answer\'s body goes to stdout')
    .argument('<path>', 'relative to the API base ({resource}/api/{apiVersion} or {resource}/api/account/{accountId}), or to the resource root when it starts with /')
    .option('-X, --method <method>', 'HTTP method (default GET; POST with --input, or with -f/-F unless --paginate)')
    .option('-H, --header <line>', "an extra header, 'Name: value' (repeatable)", collect)
    .option('-f, --field <key=value>', 'a string field: a query parameter for GET, else a member of a JSON object body (repeatable; key[]=v for arrays, key[sub]=v for objects)', collect)
    .option('-F, --typed-field <key=value>', 'a field typed as gh api types it: numbers, true, false and null as JSON, @FILE for a file\'s contents, @- for stdin (repeatable)', collect)
    .option('--input <file>', 'the request body, as is, from a file (- for stdin)')
    .option('-i, --include', 'print the status line and headers before the body')
    .option('--paginate', 'follow continuationToken (or Link: rel="next") and print all pages as one list, each as it comes')
    .option('--slurp', 'with --paginate: print the pages as they are, as one JSON array of pages')
    .addOption(new Option('--max-pages <n>', 'with --paginate: fail (exit 5) rather than ask for more pages than this').default(MAX_PAGES).argParser(pageCount));
  addNamespaceOption(command);
  addFlowOptions(command);
  addProfileOptions(command);
  addCacheOptions(command)
    .addHelpText(
      'after',
      [
        '',
        '{tenant}, {account} and {namespace} in PATH are filled in ({namespace} from --namespace,',
        'OCS_NAMESPACE or the profile\'s namespace). A full URL is accepted only on',
        "the resource's origin, and -H Host and -H Authorization are refused: the token is never",
        'sent anywhere else. --paginate writes each page as it comes, and stops (exit 5) after',
        '--max-pages pages.',
        '',
        'Exit status: 0 for 2xx; 4 when the token is rejected (401/403, after one fresh token);',
        '5 for 5xx/429/network failures after retries; 6 for any other answer (its body is on stdout).',
        '',
        'Examples:',
        "  ocs-auth api 'Tenants/{tenant}/Namespaces'",
        "  ocs-auth api --paginate 'Tenants/{tenant}/Namespaces/{namespace}/Streams' --namespace plant -f count=100",
        "  ocs-auth api --account-id ACCOUNT --paginate 'sds/{namespace}/v2/Streams'   # namespace = the data store",
        "  ocs-auth api -X POST 'Tenants/{tenant}/Namespaces/plant/Types/Pump' --input type.json",
        "  ocs-auth api 'Tenants/{tenant}/Namespaces/{namespace}/Streams/pump' -f Id=pump -F Tags[]=a -F Limits[high]=10",
        "  ocs-auth api 'Tenants/{tenant}/Namespaces/{namespace}/Streams/pump' -F Description=@description.txt",
      ].join('\n'),
    )
    // The work, and the HTTP stack under it, load only when the command runs.
    .action(async (path: string, options: ApiOptions, self: Command) => {
      // The body is the data asked for, so it goes to stdout, and colour follows stdout.
      const color = Boolean(deps.io.stdout.isTTY) && self.optsWithGlobals<{ color?: boolean }>().color !== false && deps.env.NO_COLOR === undefined;
      await (await import('./api-run.js')).run(path, options, createContext(deps, self.optsWithGlobals()), color);
    });
};

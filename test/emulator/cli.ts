// `npm run emulator` / `npx tsx test/emulator/cli.ts`: run the OCS emulator until Ctrl-C.
import { parseArgs } from 'node:util';
import { ROUTE_NAMES, startEmulator, type Emulator, type Fault, type Route } from './index.ts';

// Next to the samples' 5004 callback port, and not a common dev-server or debugger default.
const DEFAULT_PORT = 5055;

const USAGE = `Usage: npm run emulator -- [options]

Runs an OCS / AVEVA Data Hub emulator (a real OpenID provider) on 127.0.0.1 until Ctrl-C.

Options:
  --port N               listen on port N (default: $PORT or ${DEFAULT_PORT}; 0 picks a free one)
  --token-ttl SECONDS    access token lifetime (default 3600)
  --refresh-token-length N
                         characters in each refresh token (default 43); real servers
                         send longer ones (Azure AD's about 2,000)
  --connect              CONNECT data services mode: an account instead of a tenant,
                         identity on its own port, scope=api, the account API
  --fault ROUTE=SPEC     inject a fault; repeatable. SPEC is STATUS[:retry-after=S][:times=N]
                         or reset[:times=N] (drop the connection), e.g. token=503,
                         token=429:retry-after=2:times=1, tenants=500, token=reset
  --delay ROUTE=MS[:times=N]
                         wait MS milliseconds before answering; repeatable
  --redirect-uri URI     register another redirect URI for the PKCE client; repeatable.
                         Matched exactly, port included, as OCS does
  --json                 print one line of JSON with the settings once listening
  -h, --help             show this help

Routes: ${ROUTE_NAMES.join(', ')}.
EMULATOR_DEBUG=1 logs every request to stderr.`;

class UsageError extends Error {}

function parseRoute(value: string): Route {
  const route = ROUTE_NAMES.find((r) => r === value);
  if (!route) throw new UsageError(`unknown route "${value}" (routes: ${ROUTE_NAMES.join(', ')})`);
  return route;
}

function parseCount(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} must be a whole number, got "${value}"`);
  return n;
}

function splitSpec(flag: string, spec: string): [Route, string, Map<string, string>] {
  const eq = spec.indexOf('=');
  if (eq < 1) throw new UsageError(`${flag} wants ROUTE=SPEC, got "${spec}"`);
  const [head = '', ...rest] = spec.slice(eq + 1).split(':');
  const params = new Map<string, string>();
  for (const part of rest) {
    const [key = '', value = ''] = part.split('=', 2);
    if (key !== 'retry-after' && key !== 'times') throw new UsageError(`unknown ${flag} option "${key}" in "${spec}"`);
    params.set(key, value);
  }
  return [parseRoute(spec.slice(0, eq)), head, params];
}

function withTimes(fault: Fault, params: Map<string, string>): Fault {
  const times = params.get('times');
  if (times === undefined) return fault;
  const n = parseCount('times', times);
  if (n === 0) throw new UsageError('times must be at least 1');
  return { ...fault, times: n };
}

function parseFault(spec: string): Fault {
  const [route, head, params] = splitSpec('--fault', spec);
  if (head === 'reset') {
    if (params.has('retry-after')) throw new UsageError('retry-after makes no sense with reset');
    return withTimes({ route, destroy: true }, params);
  }
  const status = parseCount('status', head);
  if (status < 100 || status > 599) throw new UsageError(`status must be 100-599, got ${status}`);
  const retryAfter = params.get('retry-after');
  const fault: Fault = retryAfter === undefined
    ? { route, status }
    : { route, status, headers: { 'Retry-After': String(parseCount('retry-after', retryAfter)) } };
  return withTimes(fault, params);
}

function parseDelay(spec: string): Fault {
  const [route, head, params] = splitSpec('--delay', spec);
  if (params.has('retry-after')) throw new UsageError('retry-after belongs to --fault');
  return withTimes({ route, delayMs: parseCount('delay', head) }, params);
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function describeConnect(emu: Emulator, connect: NonNullable<Emulator['connect']>, faults: Fault[]): string {
  const { resource } = emu;
  // The derived discovery URL (identity.{host}) cannot resolve for 127.0.0.1: name it.
  const common = `OCS_RESOURCE=${shellQuote(resource)} OCS_ACCOUNT_ID=${shellQuote(connect.accountId)} OCS_DISCOVERY_URL=${shellQuote(emu.discoveryUrl)}`;
  return [
    `CONNECT emulator: API on ${resource}, identity on ${connect.identityOrigin}`,
    '',
    `  discovery           ${emu.discoveryUrl}`,
    `  account             ${connect.accountId}`,
    `  data store          ${connect.dataStoreId} (${connect.streamIds.length} streams at ${resource}/api/account/${connect.accountId}/sds/${connect.dataStoreId}/v2/Streams)`,
    ...clientLines(emu, ' (scope api)', common),
    ...describeFaults(faults),
    'Ctrl-C to stop.',
  ].join('\n');
}

/** The clients and the test user, then an export line for each way to log in, after `common` settings. */
function clientLines(emu: Emulator, clientCredentialsNote: string, common: string): string[] {
  return [
    `  client credentials  client id ${emu.confidentialClient.clientId}${clientCredentialsNote}`,
    `                      secret    ${emu.confidentialClient.clientSecret}`,
    `  PKCE client         client id ${emu.publicClient.clientId}`,
    `                      redirects ${emu.publicClient.redirectUris.join(' ')}`,
    `  device-code client  client id ${emu.deviceClient.clientId}`,
    `  test user           ${emu.user.login} / ${emu.user.password}`,
    '',
    '# client credentials:',
    `export ${common} OCS_CLIENT_ID=${shellQuote(emu.confidentialClient.clientId)} OCS_CLIENT_SECRET=${shellQuote(emu.confidentialClient.clientSecret)}`,
    '# PKCE (browser login):',
    `export ${common} OCS_CLIENT_ID=${shellQuote(emu.publicClient.clientId)}`,
    '# device code (login --device-code):',
    `export ${common} OCS_CLIENT_ID=${shellQuote(emu.deviceClient.clientId)}`,
    '',
  ];
}

function describeFaults(faults: Fault[]): string[] {
  return faults.map((f) => {
    const what = f.destroy ? 'connection reset' : f.status !== undefined ? `HTTP ${f.status}` : 'pass through';
    const delay = f.delayMs ? ` after ${f.delayMs} ms` : '';
    const headers = f.headers ? ` ${JSON.stringify(f.headers)}` : '';
    return `fault: ${f.route} -> ${what}${delay}${headers}, ${f.times === undefined ? 'every request' : `next ${f.times} request(s)`}`;
  });
}

function describe(emu: Emulator, faults: Fault[]): string {
  const { resource, tenantId } = emu;
  const lines = [
    `OCS emulator listening on ${resource}`,
    '',
    `  discovery           ${emu.issuer}/.well-known/openid-configuration`,
    `  api version         ${emu.apiVersion}`,
    `  tenant              ${tenantId} (${emu.tenantName})`,
    ...clientLines(emu, '', `OCS_RESOURCE=${shellQuote(resource)} OCS_TENANT_ID=${shellQuote(tenantId)}`),
    ...describeFaults(faults),
    'Ctrl-C to stop.',
  ];
  return lines.join('\n');
}

function parseFlags(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      'token-ttl': { type: 'string' },
      'refresh-token-length': { type: 'string' },
      connect: { type: 'boolean' },
      fault: { type: 'string', multiple: true },
      delay: { type: 'string', multiple: true },
      'redirect-uri': { type: 'string', multiple: true },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }).values;
}

async function main(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parseFlags>;
  try {
    values = parseFlags(argv);
  } catch (err) {
    console.error(`emulator: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }

  let port: number;
  let accessTokenTtl: number | undefined;
  let refreshTokenLength: number | undefined;
  let faults: Fault[];
  try {
    port = parseCount('port', values.port ?? process.env.PORT ?? String(DEFAULT_PORT));
    if (port > 65535) throw new UsageError(`port must be 0-65535, got ${port}`);
    accessTokenTtl = values['token-ttl'] === undefined ? undefined : parseCount('token-ttl', values['token-ttl']);
    if (accessTokenTtl === 0) throw new UsageError('token-ttl must be at least 1');
    refreshTokenLength = values['refresh-token-length'] === undefined ? undefined : parseCount('refresh-token-length', values['refresh-token-length']);
    if (refreshTokenLength === 0) throw new UsageError('refresh-token-length must be at least 1');
    faults = [...(values.delay ?? []).map(parseDelay), ...(values.fault ?? []).map(parseFault)];
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`emulator: ${err.message}`);
    return 2;
  }

  let emu: Emulator;
  try {
    emu = await startEmulator({ port, accessTokenTtl, refreshTokenLength, connect: Boolean(values.connect) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`emulator: port ${port} is in use; pick another with --port N (0 for any free port)`);
      return 1;
    }
    throw err;
  }
  for (const fault of faults) emu.addFault(fault);
  for (const uri of values['redirect-uri'] ?? []) emu.registerRedirectUri(uri);

  if (values.json) {
    const { resource, issuer, discoveryUrl, apiVersion, tenantId, tenantName, tenantAlias, confidentialClient, publicClient, deviceClient, user, connect } = emu;
    console.log(JSON.stringify({ resource, port: emu.port, issuer, discoveryUrl, apiVersion, tenantId, tenantName, tenantAlias, confidentialClient, publicClient, deviceClient, user, ...(connect ? { connect } : {}) }));
  } else {
    console.log(emu.connect ? describeConnect(emu, emu.connect, faults) : describe(emu, faults));
  }

  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await emu.close();
  return 0;
}

process.exitCode = await main(process.argv.slice(2));

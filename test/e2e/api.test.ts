// `ocs-auth api PATH` end to end (issue 12): the built CLI against the emulator's small tenant
// API (test/emulator/tenant-data-api.ts) and, in CONNECT mode, its account API. Every run's
// stderr and every non-secret file goes through the suite-wide secrets check.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { NAMESPACES, STREAM_IDS } from '../emulator/tenant-data-api.ts';
import { assertFailure, CLI, hasStackTrace, type CliOptions } from '../helpers/cli.ts';
import { configDir, emulator, envOnly, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { storePkceSession } from '../helpers/pkce-session.ts';
import { useElsewhere } from '../helpers/elsewhere.ts';
import { SecretWatch } from '../helpers/secret-watch.ts';
import { needsScript, onTerminal } from '../helpers/terminal.ts';

const watch = new SecretWatch();
afterEach(() => watch.collect(configDir));
useE2eFixture();
after(() => watch.assertClean());

const elsewhere = useElsewhere();

const api = (args: string[], options: CliOptions = {}) => {
  watch.secret(emulator.confidentialClient.clientSecret);
  return watch.run(['api', ...args], { env: envOnly({ OCS_AUTH_FLOW: 'client-credentials', ...options.env }), ...(options.input === undefined ? {} : { input: options.input }) });
};

const tenantRequests = () => emulator.requests.filter((request) => request.route === 'tenant-data');
const namespacesPath = () => `/api/v1/Tenants/${emulator.tenantId}/Namespaces`;
const expectedNamespaces = () => NAMESPACES.map((id) => ({ Id: id, Region: 'emulator', State: 'Active' }));

// --- Where PATH points ---------------------------------------------------------------------

test('a PATH relative to the API base, with {tenant} filled in, prints the body as the server sent it', async () => {
  const result = await api(['Tenants/{tenant}/Namespaces']);
  assert.equal(result.code, 0, result.stderr);
  // Not a TTY: the bytes untouched (compact JSON stays compact, no newline added).
  assert.equal(result.stdout, JSON.stringify(expectedNamespaces()));
  assert.equal(result.stderr, '');
  assert.deepEqual(tenantRequests().map((request) => `${request.method} ${request.path}`), [`GET ${namespacesPath()}`]);
});

test('a PATH starting with / is from the resource root; a full URL on the resource origin is taken as is', async () => {
  const rooted = await api(['/api/v1/Tenants/{tenant}/Namespaces']);
  assert.equal(rooted.code, 0, rooted.stderr);
  assert.deepEqual(JSON.parse(rooted.stdout), expectedNamespaces());
  const full = await api([`${emulator.resource}${namespacesPath()}?x=1`]);
  assert.equal(full.code, 0, full.stderr);
  assert.deepEqual(JSON.parse(full.stdout), expectedNamespaces());
  assert.deepEqual(tenantRequests().map((request) => request.path), [namespacesPath(), `${namespacesPath()}?x=1`]);
});

test('a full URL on another origin is refused (exit 2) before anything is sent, token request included', async () => {
  for (const target of [`${elsewhere.origin}${namespacesPath()}`, `http://user:pw@${new URL(emulator.resource).host}${namespacesPath()}`]) {
    const result = await api([target]);
    assertFailure(result, 2, /not the profile's resource|the token is only ever sent there/);
  }
  assert.equal(elsewhere.requests.length, 0);
  assert.equal(emulator.requests.length, 0, 'not even discovery or a token request');
});

test('a relative PATH that climbs out of the API base with .. is refused; wrong placeholders are usage errors', async () => {
  assertFailure(await api(['../../identity/connect/token']), 2, /leaves the API base/);
  assertFailure(await api(['%2e%2e/%2E%2E/x']), 2, /leaves the API base/);
  assertFailure(await api(['Tenants/{account}/Namespaces']), 2, /\{account\} needs a CONNECT account profile/);
  assertFailure(await api(['Tenants/{tenant}/Namespaces/{namespace}/Streams']), 2, /--namespace/);
  assert.equal(emulator.requests.length, 0);
});

/** `ocs-auth api ARGS…` on a terminal: its stdout is a TTY. */
async function apiOnTerminal(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const { code, screen } = await onTerminal(['api', ...args], envOnly(env));
  return { code, output: screen.replace(/\r\n/g, '\n') };
}

test('on a terminal JSON is shown indented and coloured; with NO_COLOR it is left as sent', needsScript, async () => {
  const shown = await apiOnTerminal(['Tenants/{tenant}/Namespaces'], { OCS_AUTH_FLOW: 'client-credentials' });
  assert.equal(shown.code, 0, shown.output);
  assert.match(shown.output, /\u001b\[/, 'coloured');
  assert.equal(shown.output.replace(/\u001b\[\d+(;\d+)*m/g, ''), `${JSON.stringify(expectedNamespaces(), null, 2)}\n`);
  const plain = await apiOnTerminal(['Tenants/{tenant}/Namespaces'], { OCS_AUTH_FLOW: 'client-credentials', NO_COLOR: '1' });
  assert.equal(plain.code, 0, plain.output);
  assert.equal(plain.output, JSON.stringify(expectedNamespaces()));
  const paged = await apiOnTerminal(['--paginate', '-f', 'count=2', 'Tenants/{tenant}/Namespaces/plant/Streams'], { OCS_AUTH_FLOW: 'client-credentials' });
  assert.equal(paged.code, 0, paged.output);
  const streams = STREAM_IDS.map((id) => ({ Id: id, Name: id, TypeId: 'TimeIndexedDouble' }));
  assert.equal(paged.output.replace(/\u001b\[\d+(;\d+)*m/g, ''), `${JSON.stringify({ Results: streams, ContinuationToken: null }, null, 2)}\n`, 'pages written one by one, laid out as one document');
});

// --- What is sent -----------------------------------------------------------------------

const echoPath = 'Tenants/{tenant}/Namespaces/{namespace}/Echo';

test('-f is the query of a GET and a JSON object body otherwise (POST by default); -H headers go along', async () => {
  const get = await api(['-X', 'GET', '--namespace', 'plant', '-f', 'count=2', '-f', 'name=a b', '-H', 'X-Trace: one', '-H', 'Accept: text/csv', echoPath]);
  assert.equal(get.code, 0, get.stderr);
  const got = JSON.parse(get.stdout) as { Method: string; Query: Record<string, string>; Headers: Record<string, string>; Body: unknown };
  assert.equal(got.Method, 'GET');
  assert.deepEqual(got.Query, { count: '2', name: 'a b' });
  assert.equal(got.Headers['x-trace'], 'one');
  assert.equal(got.Headers.accept, 'text/csv', "the user's Accept replaces the default one");
  assert.equal(got.Body, null);

  const post = await api(['--namespace', 'plant', '-f', 'Id=pump', '-f', 'Description=x=y', echoPath]);
  assert.equal(post.code, 0, post.stderr);
  const posted = JSON.parse(post.stdout) as typeof got;
  assert.equal(posted.Method, 'POST');
  assert.deepEqual(posted.Body, { Id: 'pump', Description: 'x=y' });
  assert.equal(posted.Headers['content-type'], 'application/json');
});

test('--input sends a file or stdin as the body, unchanged, with -X and a Content-Type of the user\'s', async () => {
  const file = join(configDir, 'body.json');
  await writeFile(file, '{"Id":"from-file"}');
  const fromFile = await api(['-X', 'PUT', '--namespace', 'plant', '--input', file, echoPath]);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.deepEqual(JSON.parse(fromFile.stdout), { Method: 'PUT', Query: {}, Headers: { accept: 'application/json', 'content-type': 'application/json' }, Body: { Id: 'from-file' } });

  const fromStdin = await api(['--namespace', 'plant', '--input', '-', '-H', 'Content-Type: text/plain', '-f', 'q=1', echoPath], { input: 'plain words' });
  assert.equal(fromStdin.code, 0, fromStdin.stderr);
  const echoed = JSON.parse(fromStdin.stdout) as { Method: string; Query: unknown; Headers: Record<string, string>; Body: unknown };
  assert.equal(echoed.Method, 'POST');
  assert.deepEqual(echoed.Query, { q: '1' }, 'with --input, fields are the query');
  assert.equal(echoed.Headers['content-type'], 'text/plain');
  assert.equal(echoed.Body, 'plain words');

  assertFailure(await api(['--input', join(configDir, 'missing.json'), echoPath, '--namespace', 'plant']), 2, /cannot read \S+missing\.json: no such file\n/);
});

test('an Authorization or Host header of the user\'s is refused (exit 2): ocs-auth sends the token, to the resource only', async () => {
  assertFailure(await api(['-H', 'Authorization: Bearer mine', 'Tenants/{tenant}/Namespaces']), 2, /Authorization is not accepted/);
  assertFailure(await api(['-H', 'no colon', 'Tenants/{tenant}/Namespaces']), 2, /invalid header/);
  for (const extra of [[], ['-i'], ['--paginate']]) {
    assertFailure(await api([...extra, '-H', 'host: other.test', 'Tenants/{tenant}/Namespaces']), 2, /-H Host is not accepted/);
  }
  assert.equal(emulator.requests.length, 0);
});

test('-i prints the status line and headers, then a blank line, then the body', async () => {
  const result = await api(['-i', 'Tenants/{tenant}/Namespaces']);
  assert.equal(result.code, 0, result.stderr);
  const [head, body] = result.stdout.split('\n\n');
  assert.match(head!, /^HTTP\/1\.1 200 OK\n/);
  assert.match(head!, /^Content-Type: application\/json; charset=utf-8$/m);
  assert.deepEqual(JSON.parse(body!), expectedNamespaces());
});

// --- Pages ------------------------------------------------------------------------------

test('--paginate follows continuationToken (spelt Results / ContinuationToken here) and prints one merged list', async () => {
  const result = await api(['--paginate', '--namespace', 'plant', '-f', 'count=2', 'Tenants/{tenant}/Namespaces/{namespace}/Streams']);
  assert.equal(result.code, 0, result.stderr);
  const merged = JSON.parse(result.stdout) as { Results: { Id: string }[]; ContinuationToken: unknown };
  assert.deepEqual(merged.Results.map((stream) => stream.Id), STREAM_IDS);
  assert.equal(merged.ContinuationToken, null);
  const queries = tenantRequests().map((request) => new URL(request.path, emulator.resource).searchParams.toString());
  assert.deepEqual(queries, ['count=2', 'count=2&continuationToken=2', 'count=2&continuationToken=4']);
});

test('--paginate follows Link: rel="next" (ADH data views) and concatenates the arrays', async () => {
  const result = await api(['--paginate', 'Tenants/{tenant}/Namespaces/plant/DataViews/pumps/Data?count=2']);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual((JSON.parse(result.stdout) as { Id: string }[]).map((row) => row.Id), STREAM_IDS);
  assert.equal(tenantRequests().length, 3);
});

test('--paginate does not follow a next link to another origin (exit 2, nothing sent there)', async () => {
  const result = await api(['--paginate', `Tenants/{tenant}/Namespaces/plant/DataViews/pumps/Data?count=2&nextOrigin=${encodeURIComponent(elsewhere.origin)}`]);
  assertFailure(result, 2, /next page is on http:\/\/127\.0\.0\.1:\d+, not the profile's resource/);
  assert.equal(elsewhere.requests.length, 0);
  assert.equal(tenantRequests().length, 1);
});

test('--paginate writes each page out before asking for the next, and stops past --max-pages with exit 5', async () => {
  const finished = emulator.heldAnswersFinished();
  // Page 3 of the endless list is held until pages 1 and 2 are seen on stdout.
  const child = spawn(process.execPath, [CLI, 'api', '--paginate', '--max-pages', '5', 'Tenants/{tenant}/Namespaces/plant/Forever?holdAt=2'], {
    env: { ...process.env, ...envOnly({ OCS_AUTH_FLOW: 'client-credentials' }) } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let heldWhenSeen: number | undefined;
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    if (heldWhenSeen === undefined && stdout.includes('item-1')) {
      heldWhenSeen = emulator.heldAnswersFinished();
      emulator.releaseHeldAnswers();
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(heldWhenSeen, finished, 'pages 1 and 2 were out while page 3 was still held');
  assert.equal(code, 5, stderr);
  assert.match(stderr, /^error: --paginate: the API at 127\.0\.0\.1:\d+ still had more after 5 pages; stopped\nhint: raise --max-pages/);
  assert.ok(!hasStackTrace(stderr), stderr);
  assert.equal(stdout, `{"Results":[${[0, 1, 2, 3, 4].map((n) => `{"Id":"item-${n}"}`).join(',')}`, 'what came, the document left open: no reader takes it for the whole list');
  assert.equal(tenantRequests().length, 5);
  assertFailure(await api(['--paginate', '--max-pages', '0', 'Tenants/{tenant}/Namespaces']), 2, /--max-pages/);
});

test('--paginate --slurp prints the pages as they are, one JSON array of them; --slurp alone is a usage error', async () => {
  const result = await api(['--paginate', '--slurp', '--namespace', 'plant', '-f', 'count=2', 'Tenants/{tenant}/Namespaces/{namespace}/Streams']);
  assert.equal(result.code, 0, result.stderr);
  const pages = JSON.parse(result.stdout) as { Results: { Id: string }[]; ContinuationToken: string | null }[];
  assert.deepEqual(pages.map((page) => page.Results.map((stream) => stream.Id)), [STREAM_IDS.slice(0, 2), STREAM_IDS.slice(2, 4), STREAM_IDS.slice(4)]);
  assert.deepEqual(pages.map((page) => page.ContinuationToken), ['2', '4', null]);
  assertFailure(await api(['--slurp', 'Tenants/{tenant}/Namespaces']), 2, /--slurp gathers the pages of --paginate/);
});

test('--paginate is for GET: another method is a usage error', async () => {
  assertFailure(await api(['--paginate', '-X', 'POST', 'Tenants/{tenant}/Namespaces']), 2, /--paginate/);
});

// --- Answers ------------------------------------------------------------------------------

test('a 404 is exit 6 with the body on stdout and one line on stderr', async () => {
  const result = await api(['Tenants/{tenant}/Namespaces/plant/NoSuchThing']);
  assert.equal(result.code, 6, result.stderr);
  const body = JSON.parse(result.stdout) as { Error: string; Reason: string };
  assert.equal(body.Error, 'Not Found');
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.match(result.stderr, /^error: GET \/api\/v1\/Tenants\/.+\/NoSuchThing: 404 Not Found; its body is on stdout\n$/);
  assert.ok(!hasStackTrace(result.stderr));
});

test('a 500 is retried and the answer that follows printed; a lasting 500 is exit 5 after the retries', async () => {
  emulator.addFault({ route: 'tenant-data', status: 500, times: 1 });
  const once = await api(['Tenants/{tenant}/Namespaces']);
  assert.equal(once.code, 0, once.stderr);
  assert.deepEqual(JSON.parse(once.stdout), expectedNamespaces());
  assert.equal(tenantRequests().length, 2);

  emulator.resetCounts();
  emulator.addFault({ route: 'tenant-data', status: 503, body: '{"Reason":"down for maintenance"}' });
  const lasting = await api(['Tenants/{tenant}/Namespaces']);
  assertFailure(lasting, 5, /answered 503 Service Unavailable: down for maintenance after retries/);
  assert.equal(tenantRequests().length, 3);
});

test('an API that does not answer in OCS_AUTH_HTTP_TIMEOUT is exit 5, timed out', async () => {
  emulator.addFault({ route: 'tenant-data', delayMs: 4000 });
  const result = await api(['Tenants/{tenant}/Namespaces'], { env: { OCS_AUTH_HTTP_TIMEOUT: '1' } });
  assertFailure(result, 5, /timed out \(1 s, retries included\)/);
});

test('a POST that meets a 500 is not sent again: the server may have acted on it', async () => {
  emulator.addFault({ route: 'tenant-data', status: 500 });
  const result = await api(['-f', 'a=1', 'Tenants/{tenant}/Namespaces/plant/Echo']);
  assertFailure(result, 5, /answered 500 Internal Server Error: HTTP 500 injected by the OCS emulator\n/);
  assert.match(result.stderr, /a POST is not sent again after a 500/);
  assert.equal(tenantRequests().length, 1);
});

test('a 429 waits for Retry-After and tries again, whatever the method', async () => {
  emulator.addFault({ route: 'tenant-data', status: 429, headers: { 'Retry-After': '1' }, times: 1 });
  const started = Date.now();
  const result = await api(['-f', 'a=1', 'Tenants/{tenant}/Namespaces/plant/Echo']);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(Date.now() - started >= 1000, 'Retry-After was honoured');
  assert.equal(tenantRequests().length, 2);
});

test('a cached token the API refuses (401) is replaced once by a fresh one and the request repeated', async () => {
  const first = await watch.run(['token'], { env: envOnly({ OCS_AUTH_FLOW: 'client-credentials' }) });
  assert.equal(first.code, 0, first.stderr);
  emulator.revokeAllTokens();
  emulator.resetCounts();
  const result = await api(['Tenants/{tenant}/Namespaces']);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), expectedNamespaces());
  assert.equal(emulator.counts.token, 1, 'one fresh token');
  assert.equal(tenantRequests().length, 2, 'refused once, then answered');
  const fresh = await watch.run(['token'], { env: envOnly({ OCS_AUTH_FLOW: 'client-credentials' }) });
  assert.notEqual(fresh.stdout, first.stdout, 'the fresh token is the cached one now');
});

test('a 401 that a fresh token does not cure is exit 4 after exactly one retry; a 403 is exit 4 at once', async () => {
  emulator.addFault({ route: 'tenant-data', status: 401, body: '', headers: { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The token was revoked"' } });
  const refused = await api(['Tenants/{tenant}/Namespaces']);
  assertFailure(refused, 4, /rejected the token \(401 Unauthorized: The token was revoked\)/);
  assert.equal(tenantRequests().length, 2);

  emulator.clearFaults();
  emulator.resetCounts();
  emulator.addFault({ route: 'tenant-data', status: 403, body: '{"Error":"Forbidden","Reason":"Not allowed."}' });
  assertFailure(await api(['Tenants/{tenant}/Namespaces']), 4, /rejected the token \(403 Forbidden: Not allowed\.\)/);
  assert.equal(tenantRequests().length, 1);
});

test('a 401 or 403 whose body never ends, the connection kept alive, is exit 4 at once, with -i and --paginate too', async () => {
  const challenge = { 'WWW-Authenticate': 'Bearer error="invalid_token"' };
  for (const extra of [[], ['-i'], ['--paginate']]) {
    for (const status of [401, 403]) {
      emulator.clearFaults();
      emulator.addFault({ route: 'tenant-data', status, body: '{"Reason":"no', headers: challenge, unfinished: true });
      const started = Date.now();
      // The time limit is long: only a body left unread would make the run wait for it.
      const result = await api([...extra, 'Tenants/{tenant}/Namespaces'], { env: { OCS_AUTH_HTTP_TIMEOUT: '20' } });
      assertFailure(result, 4, new RegExp(`rejected the token \\(${status} `));
      assert.ok(Date.now() - started < 8000, `${extra.join(' ')} ${status}: took ${Date.now() - started} ms`);
      assert.equal(result.stderr.trim().split('\n').length, 2, result.stderr);
    }
  }
});

test('--verbose traces every request with the token redacted', async () => {
  const token = await watch.run(['token'], { env: envOnly({ OCS_AUTH_FLOW: 'client-credentials' }) });
  assert.equal(token.code, 0, token.stderr);
  const result = await api(['--verbose', '--paginate', 'Tenants/{tenant}/Namespaces/plant/Streams']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /^> GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/Tenants\/.+\/Streams \(Authorization: Bearer \*\*\*\)$/m);
  assert.match(result.stderr, /^< 200 .+continuationToken=4 \(\d+ ms\)$/m);
  assert.ok(!result.stderr.includes(token.stdout.trim()));
});

test('the body is streamed: it reaches stdout while the server is still sending it', async () => {
  const bytes = 4_000_000;
  const child = spawn(process.execPath, [CLI, 'api', `Tenants/{tenant}/Namespaces/plant/Held?bytes=${bytes}`], {
    env: { ...process.env, ...envOnly({ OCS_AUTH_FLOW: 'client-credentials' }) } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let received = 0;
  const finished = emulator.heldAnswersFinished();
  let finishedBeforeOutput: number | undefined;
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdout.on('data', (chunk: Buffer) => {
    if (finishedBeforeOutput === undefined) {
      finishedBeforeOutput = emulator.heldAnswersFinished();
      emulator.releaseHeldAnswers();
    }
    received += chunk.length;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.equal(finishedBeforeOutput, finished, 'output began before the server had sent it all');
  assert.equal(received, Math.floor((bytes - 2) / 8) * 8 + 1);
});

test('Ctrl-C while the body streams ends the command at once with 130', async () => {
  const finished = emulator.heldAnswersFinished();
  const child = spawn(process.execPath, [CLI, 'api', 'Tenants/{tenant}/Namespaces/plant/Held?bytes=4000000'], {
    env: { ...process.env, ...envOnly({ OCS_AUTH_FLOW: 'client-credentials' }) } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdout.once('data', () => child.kill('SIGINT'));
  child.stdout.resume();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130, stderr);
  assert.equal(emulator.heldAnswersFinished(), finished, 'the CLI did not wait for the rest');
  assert.match(stderr, /interrupted/);
  assert.ok(!hasStackTrace(stderr), stderr);
  emulator.releaseHeldAnswers();
});

test('a browser-login (PKCE) profile works as well: its refresh token gets the access token', async () => {
  const tokens = await storePkceSession(emulator, configDir, 'user');
  watch.secret(tokens.refresh_token, tokens.access_token);
  const result = await watch.run(['api', '--profile', 'user', 'Tenants/{tenant}/Namespaces'], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), expectedNamespaces());
});

// --- CONNECT --------------------------------------------------------------------------------

let connectEmulator: Emulator;
before(async () => {
  connectEmulator = await startEmulator({ connect: true });
});
after(() => connectEmulator.close());

test('CONNECT: PATH is relative to {resource}/api/account/{account}; --paginate follows continuationToken over items', async () => {
  const { accountId, dataStoreId, streamIds } = connectEmulator.connect!;
  watch.secret(connectEmulator.confidentialClient.clientSecret);
  const env = {
    OCS_RESOURCE: connectEmulator.resource,
    OCS_ACCOUNT_ID: accountId,
    OCS_DISCOVERY_URL: connectEmulator.discoveryUrl,
    OCS_CLIENT_ID: connectEmulator.confidentialClient.clientId,
    OCS_CLIENT_SECRET: connectEmulator.confidentialClient.clientSecret,
    OCS_AUTH_CONFIG_DIR: configDir,
    OCS_AUTH_STORAGE: 'file',
  };
  const result = await watch.run(['api', '--paginate', `sds/${dataStoreId}/v2/Streams`], { env });
  assert.equal(result.code, 0, result.stderr);
  const merged = JSON.parse(result.stdout) as { items: { id: string }[]; continuationToken: unknown };
  assert.deepEqual(merged.items.map((stream) => stream.id), streamIds);
  assert.equal(merged.continuationToken, null);
  const pages = connectEmulator.requests.filter((request) => request.route === 'account').map((request) => request.path);
  assert.deepEqual(pages, [0, 2, 4].map((start) => `/api/account/${accountId}/sds/${dataStoreId}/v2/Streams${start ? `?continuationToken=${start}` : ''}`));

  const placeholder = await watch.run(['api', `/api/account/{account}/sds/${dataStoreId}/v2/Streams`], { env });
  assert.equal(placeholder.code, 0, placeholder.stderr);
  assertFailure(await watch.run(['api', 'Tenants/{tenant}'], { env }), 2, /\{tenant\} needs a tenant profile/);
});

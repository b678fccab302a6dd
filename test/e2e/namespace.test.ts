// The namespace setting (issue 21): nearly every OCS call is scoped to one, so a profile, the
// environment or the command line may name it once, and `api`, `exec`, `whoami` use it. The
// emulator's tenant API knows which namespaces exist (a wrong one is 404), so a test proves
// which one was sent.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { assertFailure, runCli, type CliOptions } from '../helpers/cli.ts';
import { configDir, emulator, envOnly, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { SecretWatch } from '../helpers/secret-watch.ts';

const watch = new SecretWatch();
afterEach(() => watch.collect(configDir));
useE2eFixture();
after(() => watch.assertClean());

const streamsPath = 'Tenants/{tenant}/Namespaces/{namespace}/Streams';
const streamRequests = () => emulator.requests.filter((request) => request.route === 'tenant-data').map((request) => request.path.split('?')[0]);
const streamsIn = (namespace: string) => `/api/v1/Tenants/${emulator.tenantId}/Namespaces/${namespace}/Streams`;

/** A client-credentials profile `cc` on the emulator, its secret from the environment. */
async function configureProfile(extra: string[] = []): Promise<void> {
  const result = await runCli(
    ['configure', '-p', 'cc', '--resource', emulator.resource, '--tenant-id', emulator.tenantId, '--client-id', emulator.confidentialClient.clientId, '--client-credentials', ...extra],
    { env: { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' } },
  );
  assert.equal(result.code, 0, result.stderr);
}

const asProfile = ([command, ...args]: string[], env: Record<string, string | undefined> = {}, options: CliOptions = {}) => {
  watch.secret(emulator.confidentialClient.clientSecret);
  return watch.run([command!, '-p', 'cc', ...args], {
    ...options,
    env: { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file', OCS_CLIENT_SECRET: emulator.confidentialClient.clientSecret, ...env },
  });
};

test('configure --namespace keeps it in the profile, and api fills {namespace} with it', async () => {
  await configureProfile(['--namespace', 'plant']);
  assert.match(await readFile(join(configDir, 'config.ini'), 'utf8'), /^namespace\s*=\s*plant$/m);
  const result = await asProfile(['api', streamsPath]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(streamRequests(), [streamsIn('plant')]);
});

test('--namespace beats OCS_NAMESPACE, which beats the profile; a namespace the tenant lacks is the API\'s 404 (exit 6)', async () => {
  await configureProfile(['--namespace', 'plant']);
  assert.equal((await asProfile(['api', streamsPath], { OCS_NAMESPACE: 'default' })).code, 0);
  const wrong = await asProfile(['api', streamsPath, '--namespace', 'nowhere'], { OCS_NAMESPACE: 'default' });
  assert.equal(wrong.code, 6, wrong.stderr);
  assert.deepEqual(streamRequests(), [streamsIn('default'), streamsIn('nowhere')]);
});

test('{namespace} with none set is exit 2 naming the three ways to set one, before anything is sent', async () => {
  const result = await watch.run(['api', streamsPath], { env: envOnly() });
  assertFailure(result, 2, /\{namespace\} needs a namespace/);
  for (const way of ['--namespace NAME', 'OCS_NAMESPACE', 'ocs-auth configure --namespace NAME']) assert.ok(result.stderr.includes(way), `${way} in: ${result.stderr}`);
  assert.equal(emulator.requests.length, 0);
});

test('exec exports OCS_NAMESPACE when one is set, and whoami shows it (--json: "namespace")', async () => {
  const printNamespace = ['exec', '--', process.execPath, '-e', 'console.log(process.env.OCS_NAMESPACE ?? "(none)")'];
  assert.equal((await watch.run(printNamespace, { env: envOnly() })).stdout, '(none)\n');
  assert.equal((await watch.run(printNamespace, { env: envOnly({ OCS_NAMESPACE: 'plant' }) })).stdout, 'plant\n');
  await configureProfile(['--namespace', 'plant']);
  assert.equal((await asProfile(printNamespace)).stdout, 'plant\n');

  const json = await asProfile(['whoami', '--json']);
  assert.equal(json.code, 0, json.stderr);
  assert.equal((JSON.parse(json.stdout) as { namespace: unknown }).namespace, 'plant');
  assert.match((await asProfile(['whoami'])).stdout, /^Namespace\s+plant$/m);
  const none = await watch.run(['whoami', '--json'], { env: envOnly() });
  assert.equal((JSON.parse(none.stdout) as { namespace: unknown }).namespace, null);
});

test('status shows each profile\'s namespace (--json: "namespace", null when none)', async () => {
  await configureProfile(['--namespace', 'plant']);
  assert.equal((await asProfile(['token'])).code, 0);
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  const human = await watch.run(['status'], { env });
  assert.match(human.stdout, /^cc \(client-credentials\) .*, namespace plant$/m);
  const json = JSON.parse((await watch.run(['status', '--json'], { env })).stdout) as { profiles: { profile: string; namespace: string | null }[] };
  assert.deepEqual(json.profiles.map(({ profile, namespace }) => [profile, namespace]), [['cc', 'plant']]);
  await configureProfile([]);
  assert.match(await readFile(join(configDir, 'config.ini'), 'utf8'), /namespace = plant/, 'configure without --namespace keeps it');
});

test("configure --from imports a sample's NamespaceId (and a CONNECT sample's DataStoreId) as the namespace", async () => {
  const sample = join(configDir, 'appsettings.json');
  await writeFile(sample, JSON.stringify({ Resource: emulator.resource, TenantId: emulator.tenantId, NamespaceId: 'plant', ClientId: emulator.confidentialClient.clientId }));
  const imported = await runCli(['configure', '-p', 'cc', '--from', sample, '--client-credentials'], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  assert.equal(imported.code, 0, imported.stderr);
  assert.doesNotMatch(imported.stderr, /not imported/);
  assert.equal((await asProfile(['api', streamsPath])).code, 0);
  assert.deepEqual(streamRequests(), [streamsIn('plant')]);

  await writeFile(sample, JSON.stringify({ Resource: 'https://platform.connect.aveva.com', AccountId: 'acc', DataStoreId: 'store-1', ClientId: 'c' }));
  const connect = await runCli(['configure', '-p', 'connect', '--from', sample, '--client-credentials'], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  assert.equal(connect.code, 0, connect.stderr);
  assert.match(await readFile(join(configDir, 'config.ini'), 'utf8'), /\[connect\][^[]*namespace\s*=\s*store-1/);
});

// --- api's fields, typed as `gh api` types them --------------------------------------------

const echo = async (args: string[], options: CliOptions = {}) => {
  const result = await watch.run(['api', ...args, 'Tenants/{tenant}/Namespaces/plant/Echo'], { ...options, env: envOnly(options.env) });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as { Method: string; Query: Record<string, string>; Body: unknown };
};

test('-F types its values (integers, decimals, true/false, null); -f keeps them strings', async () => {
  const { Method, Body } = await echo(['-F', 'count=3', '-F', 'ratio=0.5', '-F', 'big=-12e3', '-F', 'on=true', '-F', 'off=false', '-F', 'none=null', '-F', 'word=pump', '-F', 'id=007', '-f', 'raw=3']);
  assert.equal(Method, 'POST');
  assert.deepEqual(Body, { raw: '3', count: 3, ratio: 0.5, big: -12000, on: true, off: false, none: null, word: 'pump', id: '007' });
});

test("-F key=@FILE sends the file's contents, @- stdin's; key[]=v makes arrays, key[sub]=v objects, for -f and -F", async () => {
  const file = join(configDir, 'description.txt');
  await writeFile(file, 'line one\nline two\n');
  const { Body } = await echo(
    ['-F', `Description=@${file}`, '-F', 'Note=@-', '-f', 'Tags[]=a', '-f', 'Tags[]=b', '-F', 'Limits[high]=10', '-F', 'Limits[low]=-1', '-F', 'Points[][x]=1', '-F', 'Points[][y]=2', '-F', 'Points[][x]=3', '-F', 'Empty[]'],
    { input: 'from stdin' },
  );
  assert.deepEqual(Body, {
    Tags: ['a', 'b'],
    Description: 'line one\nline two\n',
    Note: 'from stdin',
    Limits: { high: 10, low: -1 },
    Points: [{ x: 1, y: 2 }, { x: 3 }],
    Empty: [],
  });
});

test('with -X GET the fields, typed or not, are the query string', async () => {
  const { Method, Query } = await echo(['-X', 'GET', '-F', 'count=3', '-f', 'name=a b', '-F', 'flag=true']);
  assert.equal(Method, 'GET');
  assert.deepEqual(Query, { name: 'a b', count: '3', flag: 'true' });
});

test('a field that contradicts another, or a file that cannot be read, is exit 2 before anything is sent', async () => {
  for (const fields of [['-F', 'a=1', '-F', 'a[b]=2'], ['-F', 'a[]=1', '-F', 'a[b]=2'], ['-F', 'a[b]=1', '-F', 'a[]=2'], ['-F', 'a[=1'], ['-F', `a=@${join(configDir, 'nope.json')}`]]) {
    const result = await watch.run(['api', ...fields, 'Tenants/{tenant}/Namespaces/plant/Echo'], { env: envOnly() });
    assertFailure(result, 2, /field|cannot read/);
    assert.doesNotMatch(result.stderr, /ENOENT/);
  }
  assert.equal(emulator.requests.length, 0);
});

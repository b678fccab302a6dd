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

// `npm run demo`: the tool's main job, end to end, against the bundled OCS emulator.
// Starts the emulator, gets a client-credentials token the way a CI script would (four
// environment variables, no config, no keychain), proves the API accepts it, and shows
// that the second call is served from the cache without a request.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startEmulator } from '../test/emulator/index.ts';
import { cliOnPath } from '../test/helpers/cli-on-path.ts';
import { clientCredentialsEnv, runCli, tempConfigDir } from '../test/helpers/cli.ts';

const { dir: configDir, cleanup } = await tempConfigDir();
const emulator = await startEmulator();

const env = clientCredentialsEnv(emulator, configDir);

// The emulator runs in this process, so the CLI must run beside it, not block it.
async function ocsAuth(...args: string[]): Promise<string> {
  console.log(`\n$ ocs-auth ${args.join(' ')}`);
  const result = await runCli(args, { env });
  process.stderr.write(result.stderr);
  if (result.code !== 0) throw new Error(`ocs-auth exited ${result.code}`);
  return result.stdout.trim();
}

try {
  console.log(`OCS emulator at ${emulator.resource} (tenant ${emulator.tenantId})`);
  console.log(`export OCS_RESOURCE=${emulator.resource} OCS_TENANT_ID=${emulator.tenantId} OCS_CLIENT_ID=${emulator.confidentialClient.clientId} OCS_CLIENT_SECRET=…`);

  const token = await ocsAuth('token', '--client-credentials');
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  console.log(`${token.slice(0, 24)}…  (a JWT: tid=${String(claims.tid)}, client_id=${String(claims.client_id)}, expires ${new Date(Number(claims.exp) * 1000).toISOString()})`);

  // The line shown is the line run: sh, curl, and the built ocs-auth on PATH (asynchronously:
  // the emulator in this process must keep answering).
  const curl = `curl -sS -w '\\nHTTP %{http_code}\\n' -H "Authorization: Bearer $(ocs-auth token --client-credentials)" "$OCS_RESOURCE/api/v1/Tenants/$OCS_TENANT_ID"`;
  console.log(`\n$ ${curl}`);
  const bin = await cliOnPath();
  try {
    const { stdout, stderr } = await promisify(execFile)('sh', ['-c', curl], { env: { ...process.env, ...env, PATH: bin.path } });
    process.stderr.write(stderr);
    process.stdout.write(stdout);
    if (!/^HTTP 200$/m.test(stdout)) throw new Error('the tenant endpoint rejected the token');
  } finally {
    await bin.cleanup();
  }

  const before = emulator.counts.token;
  const again = await ocsAuth('token', '--client-credentials');
  console.log(`${again === token ? 'same token' : 'a new token'}, ${emulator.counts.token - before} token requests: served from the cache`);
  console.log('\nDemo passed.');
} finally {
  await emulator.close();
  await cleanup();
}

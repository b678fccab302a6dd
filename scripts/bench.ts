// `npm run bench`: how cheap `ocs-auth token` is for scripts, against the bundled emulator.
// Prints a Markdown table (the README keeps the latest) and exits 1 if a target is missed.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../test/emulator/index.ts';
import { CLI, clientCredentialsEnv, runCli, tempConfigDir } from '../test/helpers/cli.ts';

const RUNS = 30;
const PARALLEL = 50;
const RSS_PRELOAD = fileURLToPath(new URL('./bench-rss.mjs', import.meta.url));

const emulator = await startEmulator();
const { dir: configDir, cleanup } = await tempConfigDir();
const env = { ...process.env, ...clientCredentialsEnv(emulator, configDir) } as NodeJS.ProcessEnv;

/** Wall time of one child process, spawned the way a shell would. */
function timeRun(args: string[]): Promise<{ ms: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, stderr });
    });
  });
}

async function median(args: string[]): Promise<number> {
  await timeRun(args); // warm the file system cache
  const times: number[] = [];
  for (let run = 0; run < RUNS; run += 1) times.push((await timeRun(args)).ms);
  times.sort((a, b) => a - b);
  return (times[Math.floor(RUNS / 2) - 1]! + times[Math.ceil(RUNS / 2) - 1]!) / 2;
}

async function token(): Promise<void> {
  const result = await runCli(['token', '--client-credentials'], { env: clientCredentialsEnv(emulator, configDir) });
  if (result.code !== 0) throw new Error(result.stderr);
}

const requests = () => emulator.counts.discovery + emulator.counts.token;

try {
  emulator.resetCounts();
  await token();
  const coldRequests = requests();
  emulator.resetCounts();
  await token();
  const warmRequests = requests();

  const warmMs = await median([CLI, 'token', '--client-credentials']);
  const bareMs = await median(['-e', '0']);
  const { stderr } = await timeRun(['--import', RSS_PRELOAD, CLI, 'token', '--client-credentials']);
  const rssMb = Number(/bench-max-rss-kb=(\d+)/.exec(stderr)![1]) / 1024;

  // Age the cached token past the renewal threshold, then let PARALLEL processes find it stale at once.
  const credentials = join(configDir, 'credentials.json');
  const file = JSON.parse(await readFile(credentials, 'utf8')) as { entries: Record<string, string> };
  for (const [account, value] of Object.entries(file.entries)) {
    if (account.endsWith('/access-token')) file.entries[account] = JSON.stringify({ ...JSON.parse(value), expires_at: Date.now() + 60_000 });
  }
  await writeFile(credentials, JSON.stringify(file));
  emulator.resetCounts();
  const parallel = await Promise.all(Array.from({ length: PARALLEL }, () => runCli(['token', '--client-credentials'], { env: clientCredentialsEnv(emulator, configDir), timeoutMs: 120_000 })));
  const failed = parallel.filter((result) => result.code !== 0).length;
  const parallelRequests = emulator.counts.token;

  const ratio = warmMs / bareMs;
  const rows: Array<[string, string, string, boolean]> = [
    [`warm \`token\`, median of ${RUNS}`, `${warmMs.toFixed(0)} ms`, '', true],
    [`bare \`node -e 0\`, median of ${RUNS}`, `${bareMs.toFixed(0)} ms`, '', true],
    ['warm `token` / bare node', `${ratio.toFixed(2)}×`, '≤ 1.5×', ratio <= 1.5],
    ['requests, cold client-credentials `token`', `${coldRequests} (discovery + token)`, '2', coldRequests === 2],
    ['requests, warm `token`', String(warmRequests), '0', warmRequests === 0],
    [`token requests, ${PARALLEL} parallel \`token\` on a stale cache`, `${parallelRequests}${failed ? ` (${failed} failed)` : ''}`, '1', parallelRequests === 1 && failed === 0],
    ['peak RSS, warm `token`', `${rssMb.toFixed(0)} MB`, '≤ 70 MB', rssMb <= 70],
  ];
  console.log(`Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
  console.log('| measure | result | target |\n|---|---|---|');
  for (const [measure, result, target, met] of rows) console.log(`| ${measure} | ${result} | ${target ? `${target} ${met ? '✓' : '✗'}` : ''} |`);
  if (rows.some(([, , , met]) => !met)) process.exitCode = 1;
} finally {
  await emulator.close();
  await cleanup();
}

// `npm run bench`: how cheap `ocs-auth token` is for scripts, against the bundled emulator,
// side by side with the least any Node program could do. Prints a Markdown table (the README
// keeps the latest) and exits 1 on a regression.
//
// Time is the CPU time (user + sys) of the child process, as `time` reports it: wall time on
// a shared 2-core box mostly measures who else is running, and a fixed cost of spawning and
// reaping the child, the same on both sides, hides part of the difference. Wall time is
// printed too. Runs alternate between the two sides of each ratio, so that a burst of load
// falls on both. bash's `times` gives the child's CPU time, so this needs bash >= 5 (for
// EPOCHREALTIME): Linux, or macOS with a newer bash.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../test/emulator/index.ts';
import { CLI, clientCredentialsEnv, runCli, tempConfigDir } from '../test/helpers/cli.ts';

const RUNS = Number(process.env.BENCH_RUNS) || 30;
const PARALLEL = 50;
/** The targets of issue 10, for Node 20: printed with ✓ or ✗. */
const WARM_TARGET = 1.3;
const FORCED_TARGET = 1.8;
const PEAK_RSS_MB = 70;
/**
 * What fails the run is a clear regression, not a target missed by noise: CPU medians of the
 * same commands move by 5-10% from one run to the next, more on a busy machine (a CI run
 * here beside other work measured forced 2.09x), and a red CI for noise blocks everything.
 * Node 20 on a quiet 2-core machine measures warm 1.19-1.29x and forced 1.61-1.79x (the
 * README has the figures); where bare Node starts in ~20 ms, the ceilings sit about 5 ms
 * (warm) and 20 ms (forced) above. A ratio past its ceiling is measured once more, and fails
 * the run only if it is past it again: a regression shows twice, a burst of other work on
 * the runner seldom does. test/e2e/startup.test.ts guards what each path loads, without timing.
 */
const WARM_CEILING = 1.5;
const FORCED_CEILING = 2.3;
/**
 * The ratios are set for Node 20. Node 22 and 24 start in well under half its CPU time, so
 * the same absolute cost of loading the CLI weighs twice as much in the ratio there:
 * reported, not enforced.
 */
const RATIOS_ENFORCED = process.versions.node.split('.')[0] === '20';
const RSS_PRELOAD = fileURLToPath(new URL('./bench-rss.mjs', import.meta.url));

/** The same POST `ocs-auth token --force` makes, with nothing but node:http, printing the token. */
const BARE_POST = `
const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: process.env.OCS_CLIENT_ID, client_secret: process.env.OCS_CLIENT_SECRET }).toString();
require('node:http').request(process.env.BENCH_TOKEN_ENDPOINT, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), accept: 'application/json' } }, (response) => {
  let text = '';
  response.setEncoding('utf8').on('data', (chunk) => (text += chunk)).on('end', () => {
    if (response.statusCode !== 200) process.exit(1);
    process.stdout.write(JSON.parse(text).access_token + '\\n');
  });
}).end(body);`;

/** Runs argv under bash and reports the child's CPU time (`times`, second line) and wall time. */
const TIMED = 'start=$EPOCHREALTIME; "$@" >/dev/null; code=$?; end=$EPOCHREALTIME; echo "$start $end"; times; exit $code';

interface Sample {
  cpuMs: number;
  wallMs: number;
}

const emulator = await startEmulator();
const { dir: configDir, cleanup } = await tempConfigDir();
// The compile cache goes to the per-user cache folder: a fresh one here, so the bench sees it
// fill, and never reads a cache from another build.
const cacheHome = await mkdtemp(join(tmpdir(), 'ocs-auth-bench-cache-'));
// Node 20 parses NODE_EXTRA_CA_CERTS as every process starts, the bare baseline included:
// a big bundle there (one machine here had ~45 ms of it) would hide ocs-auth's own cost in
// the ratios, which would then depend on the runner. Both sides run without it.
const IGNORED = ['NODE_COMPILE_CACHE', 'NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'];
const env: Record<string, string> = {};
for (const [key, value] of Object.entries({ ...process.env, ...clientCredentialsEnv(emulator, configDir), XDG_CACHE_HOME: cacheHome })) {
  if (value !== undefined && !IGNORED.includes(key)) env[key] = value;
}

function timeRun(argv: string[]): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', TIMED, 'bash', ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${argv.join(' ')} exited ${code}: ${stderr}`));
      const [wall, , children] = stdout.trim().split('\n');
      const [start, end] = (wall ?? '').split(' ').map(Number);
      const [user, sys] = (children ?? '').trim().split(/\s+/).map(seconds);
      if (!start || !end || user === undefined || sys === undefined) return reject(new Error(`bash >= 5 needed (EPOCHREALTIME, times); got: ${stdout}`));
      resolve({ cpuMs: (user + sys) * 1000, wallMs: (end - start) * 1000 });
    });
  });
}

/** `times` prints e.g. 0m0.052s. */
function seconds(text: string): number {
  const match = /^(\d+)m([\d.]+)s$/.exec(text);
  if (!match) throw new Error(`unexpected output of times: ${text}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[Math.floor((sorted.length - 1) / 2)]! + sorted[Math.ceil((sorted.length - 1) / 2)]!) / 2;
}

/** Medians of RUNS alternating runs of a command and its baseline, after one unmeasured run of each. */
async function sideBySide(command: string[], baseline: string[]): Promise<{ command: Sample; baseline: Sample }> {
  await timeRun(command);
  await timeRun(baseline);
  const commandRuns: Sample[] = [];
  const baselineRuns: Sample[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    commandRuns.push(await timeRun(command));
    baselineRuns.push(await timeRun(baseline));
  }
  const medians = (runs: Sample[]): Sample => ({ cpuMs: median(runs.map((r) => r.cpuMs)), wallMs: median(runs.map((r) => r.wallMs)) });
  return { command: medians(commandRuns), baseline: medians(baselineRuns) };
}

/** sideBySide, measured once more where Node 20's CPU ratio is past its ceiling (see WARM_CEILING). */
async function sideBySideBelow(ceiling: number, name: string, command: string[], baseline: string[]): Promise<{ command: Sample; baseline: Sample }> {
  const first = await sideBySide(command, baseline);
  const ratio = first.command.cpuMs / first.baseline.cpuMs;
  if (!RATIOS_ENFORCED || ratio <= ceiling) return first;
  console.error(`bench: ${name} measured ${ratio.toFixed(2)}×, past its ceiling of ${ceiling}×; measuring it again`);
  return sideBySide(command, baseline);
}

async function token(...extra: string[]): Promise<void> {
  const result = await runCli(['token', '--client-credentials', ...extra], { env: clientCredentialsEnv(emulator, configDir) });
  if (result.code !== 0) throw new Error(result.stderr);
}

const requests = () => emulator.counts.discovery + emulator.counts.token;
const ms = (value: number) => `${value.toFixed(0)} ms`;

try {
  emulator.resetCounts();
  await token();
  const coldRequests = requests();
  emulator.resetCounts();
  await token();
  const warmRequests = requests();
  emulator.resetCounts();
  await token('--force');
  const forcedRequests = requests();

  const discovery = (await (await fetch(`${emulator.issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
  env.BENCH_TOKEN_ENDPOINT = discovery.token_endpoint;
  const node = process.execPath;
  const warm = await sideBySideBelow(WARM_CEILING, 'warm', [node, CLI, 'token', '--client-credentials'], [node, '-e', '0']);
  const forced = await sideBySideBelow(FORCED_CEILING, 'forced', [node, CLI, 'token', '--client-credentials', '--force'], [node, '-e', BARE_POST]);
  const cacheEntries = (await readdir(join(cacheHome, 'ocs-auth', 'compile-cache'), { recursive: true }).catch(() => [])).length;

  const { stderr } = await runCli(['token', '--client-credentials'], { env: { ...clientCredentialsEnv(emulator, configDir), NODE_OPTIONS: `--import=${RSS_PRELOAD}` } });
  const rssMb = Number(/bench-max-rss-kb=(\d+)/.exec(stderr)![1]) / 1024;

  // Age the cached token past the renewal threshold, then let PARALLEL processes find it stale at once.
  const cachedTokens = join(configDir, 'tokens', 'client-credentials');
  for (const name of await readdir(cachedTokens)) {
    const path = join(cachedTokens, name);
    await writeFile(path, JSON.stringify({ ...JSON.parse(await readFile(path, 'utf8')), expires_at: Date.now() + 60_000 }));
  }
  emulator.resetCounts();
  const parallel = await Promise.all(Array.from({ length: PARALLEL }, () => runCli(['token', '--client-credentials'], { env: clientCredentialsEnv(emulator, configDir), timeoutMs: 120_000 })));
  const failed = parallel.filter((result) => result.code !== 0).length;
  const parallelRequests = emulator.counts.token;

  const warmRatio = warm.command.cpuMs / warm.baseline.cpuMs;
  const forcedRatio = forced.command.cpuMs / forced.baseline.cpuMs;
  const wallRatio = (pair: { command: Sample; baseline: Sample }) => (pair.command.wallMs / pair.baseline.wallMs).toFixed(2);
  // [measure, result, target, met, regression]
  const rows: Array<[string, string, string, boolean, boolean]> = [
    [`warm \`token\` (cached token), CPU median of ${RUNS}`, `${ms(warm.command.cpuMs)} (wall ${ms(warm.command.wallMs)})`, '', true, false],
    ['bare `node -e 0`, CPU', `${ms(warm.baseline.cpuMs)} (wall ${ms(warm.baseline.wallMs)})`, '', true, false],
    ['warm `token` − bare node, CPU', ms(warm.command.cpuMs - warm.baseline.cpuMs), '', true, false],
    ['**warm `token` / bare node**, CPU', `**${warmRatio.toFixed(2)}×** (wall ${wallRatio(warm)}×)`, `≤ ${WARM_TARGET}×${RATIOS_ENFORCED ? '' : ' (Node 20)'}`, warmRatio <= WARM_TARGET, RATIOS_ENFORCED && warmRatio > WARM_CEILING],
    [`\`token --force\` (one POST, discovery cached), CPU median of ${RUNS}`, `${ms(forced.command.cpuMs)} (wall ${ms(forced.command.wallMs)})`, '', true, false],
    ['the same POST from a bare `node:http` script, CPU', `${ms(forced.baseline.cpuMs)} (wall ${ms(forced.baseline.wallMs)})`, '', true, false],
    ['**`token --force` / bare POST**, CPU', `**${forcedRatio.toFixed(2)}×** (wall ${wallRatio(forced)}×)`, `≤ ${FORCED_TARGET}×${RATIOS_ENFORCED ? '' : ' (Node 20)'}`, forcedRatio <= FORCED_TARGET, RATIOS_ENFORCED && forcedRatio > FORCED_CEILING],
    ['requests, cold client-credentials `token`', `${coldRequests} (discovery + token)`, '2', coldRequests === 2, coldRequests !== 2],
    ['requests, warm `token`', String(warmRequests), '0', warmRequests === 0, warmRequests !== 0],
    ['requests, `token --force` with discovery cached', String(forcedRequests), '1', forcedRequests === 1, forcedRequests !== 1],
    [`token requests, ${PARALLEL} parallel \`token\` on a stale cache`, `${parallelRequests}${failed ? ` (${failed} failed)` : ''}`, '1', parallelRequests === 1 && failed === 0, parallelRequests !== 1 || failed !== 0],
    ['peak RSS, warm `token`', `${rssMb.toFixed(0)} MB`, `≤ ${PEAK_RSS_MB} MB`, rssMb <= PEAK_RSS_MB, rssMb > PEAK_RSS_MB],
  ];
  const compileCache = cacheEntries > 0 ? `ocs-auth's own code cache (node:vm): ${cacheEntries} entries in the per-user cache folder` : 'no compile cache: nothing was cached';
  console.log(`Node ${process.version}, ${compileCache}, ${new Date().toISOString().slice(0, 10)}\n`);
  console.log('| measure | result | target |\n|---|---|---|');
  for (const [measure, result, target, met] of rows) console.log(`| ${measure} | ${result} | ${target ? `${target} ${met ? '✓' : '✗'}` : ''} |`);
  const regressions = rows.filter(([, , , , regressed]) => regressed).map(([measure]) => measure);
  if (regressions.length > 0) {
    console.error(`\nbench: regressed (past the ceilings of ${WARM_CEILING}× warm, ${FORCED_CEILING}× forced, or a count): ${regressions.join('; ')}`);
    process.exitCode = 1;
  } else if (!RATIOS_ENFORCED) {
    console.error(`\nbench: the ratios are enforced on Node 20; on Node ${process.version} they are reported only.`);
  } else if (rows.some(([, , , met]) => !met)) {
    console.error(`\nbench: a ratio misses its target this run, within its regression ceiling (${WARM_CEILING}× warm, ${FORCED_CEILING}× forced): run it again on a quiet machine.`);
  }
} finally {
  await emulator.close();
  await cleanup();
  await rm(cacheHome, { recursive: true, force: true });
}

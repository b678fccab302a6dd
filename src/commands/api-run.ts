// What `ocs-auth api` does, loaded only when it runs (src/commands/api.ts registers it).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { unreadableFile } from '../store/fs-errors.js';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Chalk, type ChalkInstance } from 'chalk';
import { ApiError, CredentialsRejectedError, NetworkError, OcsAuthError, UsageError } from '../errors.js';
import { COMPACT_JSON, errorReason, type Field, type FieldValue, fieldsBody, type JsonText, MergedPages, nextPageUrl, parseHeader, parseTypedField, resolveApiUrl, SlurpedPages } from '../flows/api-request.js';
import { loginCommand } from '../flows/access-token.js';
import { IDEMPOTENT_METHODS, redirectNotFollowed, type StreamRequest, type StreamResponse, unavailableHint } from '../flows/http.js';
import { highlightJson } from '../cli/json-highlight.js';
import { apiBase, requireComplete, type CompleteSettings } from '../config/settings.js';
import type { ApiOptions } from './api.js';
import { settingFlags, type CommandContext } from './context.js';
import { accessToken } from './token.js';

/** How much of an error answer is read for the reason on stderr; the rest is not waited for. */
const REASON_BYTES = 64 * 1024;
const REASON_WAIT_MS = 2000;

/** `color`: stdout is a terminal and colour is wanted, so JSON is shown indented and coloured. */
export async function run(path: string, options: ApiOptions, context: CommandContext, color: boolean): Promise<void> {
  // Everything that can be refused is refused before a token is fetched or a byte is sent.
  const settings = requireComplete(await context.settings(settingFlags(options)));
  const url = resolveApiUrl(path, {
    resource: settings.resource,
    base: apiBase(settings),
    tenantId: settings.tenantId,
    accountId: settings.accountId,
    namespace: settings.namespace,
  });
  const request = await buildRequest(url, options, context);
  if (options.paginate && request.method !== 'GET') throw new UsageError('--paginate follows lists, which are read with GET', { hint: options.method === undefined ? 'drop --paginate or --input (a body makes it a POST)' : `drop --paginate or -X ${request.method}` });
  if (options.slurp && !options.paginate) throw new UsageError('--slurp gathers the pages of --paginate', { hint: 'add --paginate' });

  let { token, flowDeps } = await accessToken(options, context);
  const http = await flowDeps.http();
  let renewed = false;
  const send = async (target: URL): Promise<StreamResponse> => {
    const response = await http.stream(target.href, authorized(request, token.access_token));
    // A token the cache still thought good can have been revoked: one fresh token, one retry.
    if (response.status !== 401 || renewed) return response;
    response.body.destroy();
    renewed = true;
    ({ token } = await accessToken({ ...options, force: true }, context));
    return http.stream(target.href, authorized(request, token.access_token));
  };

  const out = context.deps.io.stdout;
  const style = color ? new Chalk({ level: 1 }) : undefined;
  if (options.paginate) {
    await paginate(request.url, send, settings, options, out, style);
    return;
  }
  const response = await send(request.url);
  await failUnlessAnswered(response, request.method, settings);
  if (options.include) out.write(head(response));
  await writeBody(response, out, style);
  if (!isSuccess(response.status)) throw answered(response, request.url, request.method);
}

async function buildRequest(url: URL, options: ApiOptions, context: CommandContext): Promise<StreamRequest & { url: URL }> {
  const headers = Object.fromEntries((options.header ?? []).map(parseHeader));
  const fields = await fieldValues(
    [...(options.field ?? []).map((pair) => parseTypedField(pair, false)), ...(options.typedField ?? []).map((pair) => parseTypedField(pair, true))],
    options.input === '-',
    context,
  );
  fieldsBody(fields); // a key that contradicts another is refused whatever the method
  const body = options.input === undefined ? undefined : await readInput(options.input, context);
  // Lists are read with GET, so with --paginate fields stay the query.
  const method = (options.method ?? ((fields.length > 0 && !options.paginate) || body !== undefined ? 'POST' : 'GET')).toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`invalid method "${options.method}"`);
  const requestUrl = new URL(url);
  let payload = body;
  // Like gh: fields are the query of a GET, or when --input is the body; otherwise a JSON object.
  if (method === 'GET' || method === 'HEAD' || body !== undefined) {
    for (const { key, value } of fields) if (!Array.isArray(value)) requestUrl.searchParams.append(key, value === null ? '' : String(value));
  } else if (fields.length > 0) {
    payload = Buffer.from(JSON.stringify(fieldsBody(fields)));
  }
  const named = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
  if (payload !== undefined && !named.has('content-type')) headers['Content-Type'] = 'application/json';
  return { url: requestUrl, method, headers, body: payload };
}

/** Each -F key=@FILE read (stdin for @-, once); `key[]` alone stays an empty array. */
async function fieldValues(fields: Field[], inputIsStdin: boolean, context: CommandContext): Promise<{ key: string; value: FieldValue | [] }[]> {
  const fromStdin = fields.filter((field) => 'file' in field && field.file === '-').length;
  if (fromStdin > 1 || (fromStdin === 1 && inputIsStdin)) throw new UsageError('stdin can be read once: by one -F key=@- or by --input -, not more');
  return Promise.all(
    fields.map(async (field) => {
      if ('emptyArray' in field) return { key: field.key, value: [] as [] };
      if ('value' in field) return field;
      return { key: field.key, value: (await readInput(field.file, context, `-F ${field.key}=@`)).toString('utf8') };
    }),
  );
}

/** What --input or -F key=@ names (`-` for stdin); `what` says which, in the error. */
async function readInput(file: string, context: CommandContext, what = '--input '): Promise<Buffer> {
  if (file === '-') return readAll(context.deps.io.stdin).catch((error: unknown) => Promise.reject(new UsageError(`cannot read ${what}- from stdin: ${(error as Error).message}`, { cause: error })));
  try {
    return await readFile(file);
  } catch (error) {
    throw unreadableFile(error, file, what === '--input ' ? 'give --input a file that exists, or - for stdin' : 'after @, name a file that exists, or - for stdin');
  }
}

function authorized(request: StreamRequest, accessToken: string): StreamRequest {
  return { method: request.method, headers: { ...request.headers, Authorization: `Bearer ${accessToken}` }, body: request.body };
}

async function paginate(
  first: URL,
  send: (url: URL) => Promise<StreamResponse>,
  settings: CompleteSettings,
  options: ApiOptions,
  out: Writable,
  style: ChalkInstance | undefined,
): Promise<void> {
  const json = style ? terminalJson(style) : COMPACT_JSON;
  const pages = options.slurp ? new SlurpedPages(json) : new MergedPages(json);
  // Hashes, not the URLs: a server can make its continuation tokens as long as it likes.
  const seen = new Set<string>();
  const origin = new URL(settings.resource).origin;
  let count = 0;
  for (let url: URL | undefined = first; url !== undefined; ) {
    if (count === options.maxPages) {
      throw new NetworkError(`--paginate: the API at ${url.host} still had more after ${count} pages; stopped`, {
        hint: 'raise --max-pages, or ask for larger pages (count) or fewer items (a filter)',
      });
    }
    seen.add(hash(url.href));
    const response = await send(url);
    await failUnlessAnswered(response, 'GET', settings);
    if (options.include && count === 0 && !(await write(out, head(response)))) {
      response.body.destroy();
      return;
    }
    if (!isSuccess(response.status)) {
      await writeBody(response, out, style);
      throw answered(response, url, 'GET');
    }
    const text = (await readAnswer(response)).toString('utf8');
    count++;
    let page: unknown;
    try {
      page = JSON.parse(text);
    } catch (error) {
      throw new NetworkError(`--paginate: page ${count} from ${url.host} is not JSON`, { hint: 'drop --paginate to see the answer as it is', cause: error });
    }
    const next = nextPageUrl(url, page, response.headers.link);
    if (next !== undefined && next.origin !== origin) {
      throw new UsageError(`the next page is on ${next.origin}, not the profile's resource (${origin}): the token is only ever sent there`, {
        hint: 'drop --paginate to get this page alone',
      });
    }
    // Each page goes out before the next is asked for, and waits while the reader is behind.
    if (!(await write(out, pages.add(page)))) return;
    // A server that sends the same page again would otherwise be asked forever.
    url = next !== undefined && !seen.has(hash(next.href)) ? next : undefined;
  }
  await write(out, `${pages.end()}\n`);
}

/** JSON as highlightJson lays it out (JSON.stringify's two-space indent), written a piece at a time. */
function terminalJson(style: ChalkInstance): JsonText {
  const indent = (depth: number) => `\n${'  '.repeat(depth)}`;
  return {
    // JSON strings hold no raw newline: every newline is a line break of the layout.
    value: (value, depth) => highlightJson(value, style).replaceAll('\n', indent(depth)),
    key: (name) => `${style.blue.bold(JSON.stringify(name))}: `,
    indent,
  };
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}

/**
 * Waits while stdout's buffer is full: a slow reader holds the next page back, not memory.
 * False once the reader has gone (`| head`): what it wanted it has, and no more is asked for.
 */
async function write(out: Writable, text: string): Promise<boolean> {
  if (out.destroyed) return false;
  if (out.write(text)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    // A closed pipe is an 'error' and a 'close': either ends the wait (src/cli/io.ts hears the error).
    out.on('drain', done).on('close', done).on('error', done);
  });
  return !out.destroyed;
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * 401/403 (after the fresh token) are exit 4, 5xx and 429 (after retries) exit 5, with one line
 * on stderr and nothing on stdout: these say nothing about what was asked, only that it could
 * not be answered. Every other answer is the caller's to read.
 */
async function failUnlessAnswered(response: StreamResponse, method: string, settings: CompleteSettings): Promise<void> {
  const { status } = response;
  if (status !== 401 && status !== 403 && status !== 429 && status < 500) return;
  let reason: string | undefined;
  if (status === 401) {
    reason = challengeReason(response.headers['www-authenticate']);
    // Its body is not read: left open, a kept-alive connection would hold the process until the time limit.
    response.body.destroy();
  } else {
    reason = errorReason(await readReason(response.body));
  }
  const said = `${status}${response.statusText ? ` ${response.statusText}` : ''}${reason ? `: ${reason}` : ''}`;
  const { host, pathname } = new URL(response.url);
  const where = `${host} (${method} ${pathname})`;
  if (status === 401 || status === 403) {
    throw new CredentialsRejectedError(`the API at ${where} rejected the token (${said})`, {
      hint:
        status === 401
          ? `even a fresh token was refused; log in again with \`${loginCommand(settings)}\``
          : `the ${settings.accountId === undefined ? 'tenant' : 'account'}'s roles may not allow this, or the token is not for it`,
    });
  }
  // The HTTP client repeats only what may be repeated (src/http-client.ts, sendStream).
  const retried = status === 429 || IDEMPOTENT_METHODS.has(method);
  throw new NetworkError(`the API at ${where} answered ${said}${retried ? ' after retries' : ''}`, {
    hint: retried ? (unavailableHint(response) ?? 'try again later') : `a ${method} is not sent again after a ${status}: the server may have acted on it; check before repeating it`,
  });
}

function challengeReason(challenge: string | string[] | undefined): string | undefined {
  return typeof challenge === 'string' ? (/error_description="([^"]*)"/.exec(challenge)?.[1] ?? undefined) : undefined;
}

/** As gh api says it: the method and path first, since `-f` alone makes a POST that the person may not expect. */
function answered(response: StreamResponse, url: URL, method: string): ApiError {
  return new ApiError(`${method} ${url.pathname}: ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${redirectNotFollowed(response)}; its body is on stdout`);
}

/** `-i`: what curl -i and gh api -i show, the header names as the server spelt them. */
function head(response: StreamResponse): string {
  const lines = [`HTTP/${response.httpVersion} ${response.status} ${response.statusText}`.trimEnd()];
  for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) lines.push(`${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}`);
  return `${lines.join('\n')}\n\n`;
}

/**
 * The body as it comes, chunk by chunk with the terminal's pace, never held whole; for a
 * person at a terminal (`style` given), JSON is read whole and shown indented and coloured.
 */
async function writeBody(response: StreamResponse, out: Writable, style: ChalkInstance | undefined): Promise<void> {
  if (style && /\bjson\b/i.test(String(response.headers['content-type'] ?? ''))) {
    const text = (await readAnswer(response)).toString('utf8');
    try {
      out.write(`${highlightJson(JSON.parse(text), style)}\n`);
    } catch {
      out.write(text);
    }
    return;
  }
  try {
    await pipeline(response.body, out, { end: false });
  } catch (error) {
    // The reader went away (`| head`): what it wanted it has.
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return;
    throw bodyFailure(error, response);
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** A body that has to be whole to be used: a page to merge, JSON to indent. */
function readAnswer(response: StreamResponse): Promise<Buffer> {
  return readAll(response.body).catch((error: unknown) => Promise.reject(bodyFailure(error, response)));
}

/**
 * The start of an error answer, enough for its reason, or what came of it in REASON_WAIT_MS
 * (a body that trickles or never ends does not hold the error back); the connection is then let go.
 */
async function readReason(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  const timer = setTimeout(() => body.destroy(), REASON_WAIT_MS);
  try {
    for await (const chunk of body) {
      chunks.push(Buffer.from(chunk as Buffer));
      size += (chunk as Buffer).length;
      if (size >= REASON_BYTES) break;
    }
  } catch {
    // A reason is a nicety: the status alone is reported.
  } finally {
    clearTimeout(timer);
    body.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}

function bodyFailure(error: unknown, response: StreamResponse): unknown {
  if (error instanceof OcsAuthError) return error;
  return new NetworkError(`the answer from ${new URL(response.url).host} broke off: ${(error as Error).message}`, { cause: error });
}

// `ocs-auth api`: where a PATH points, what may be sent with it, and how pages of a list
// answer follow each other. No I/O here: the command sends, these decide.
import { NetworkError, UsageError } from '../errors.js';

export interface ApiTarget {
  /** The profile's resource, no trailing slash: the only origin the token goes to. */
  resource: string;
  /** {resource}/api/{apiVersion} or {resource}/api/account/{accountId}, no trailing slash. */
  base: string;
  tenantId: string | undefined;
  accountId: string | undefined;
  namespace: string | undefined;
}

const PLACEHOLDERS = /\{(tenant|account|namespace)\}/g;
const ABSOLUTE_URL = /^[a-z][a-z\d+.-]*:/i;

/**
 * The URL a PATH names: relative to the API base, from the resource root when it starts with
 * `/`, or a full URL on the resource's origin. Anything that would take the token to another
 * origin, or a relative PATH that climbs out of the API base with `..`, is refused before
 * anything is sent (exit 2).
 */
export function resolveApiUrl(path: string, target: ApiTarget): URL {
  const filled = path.replace(PLACEHOLDERS, (_match, name: 'tenant' | 'account' | 'namespace') => encodeURIComponent(placeholderValue(name, target)));
  const origin = new URL(target.resource).origin;
  let url: URL;
  if (ABSOLUTE_URL.test(filled)) {
    try {
      url = new URL(filled);
    } catch {
      throw new UsageError(`invalid URL "${path}"`);
    }
    if (url.origin !== origin || url.username || url.password) {
      throw new UsageError(`${url.origin} is not the profile's resource (${origin}): the token is only ever sent there`, {
        hint: 'give a path relative to the API base, or one that starts with /',
      });
    }
    return url;
  }
  url = new URL(filled.startsWith('/') ? `${target.resource}${filled}` : `${target.base}/${filled}`);
  // The URL parser folds `..` and `%2e%2e` away; what is left must still be where PATH said.
  const basePath = new URL(target.base).pathname;
  if (url.origin !== origin || (!filled.startsWith('/') && !url.pathname.startsWith(`${basePath}/`))) {
    throw new UsageError(`"${path}" leaves the API base ${target.base}`, { hint: 'start PATH with / to name a path from the resource root' });
  }
  return url;
}

function placeholderValue(name: 'tenant' | 'account' | 'namespace', target: ApiTarget): string {
  const value = name === 'tenant' ? target.tenantId : name === 'account' ? target.accountId : target.namespace;
  // Percent-encoding leaves . and .. as they are, and the URL parser folds them away: a
  // "namespace" of .. would send the request to another path than the one written.
  if (value === '.' || value === '..') throw new UsageError(`{${name}} cannot be "${value}": it would change the path rather than fill it in`);
  if (value !== undefined) return value;
  if (name === 'namespace') {
    throw new UsageError('{namespace} needs a namespace', {
      hint: 'pass --namespace NAME, set OCS_NAMESPACE, or keep one in the profile with `ocs-auth configure --namespace NAME`',
    });
  }
  throw new UsageError(
    name === 'tenant' ? `{tenant} needs a tenant profile; this one is for CONNECT account ${target.accountId}` : `{account} needs a CONNECT account profile; this one is for tenant ${target.tenantId}`,
    { hint: `use {${name === 'tenant' ? 'account' : 'tenant'}}, or name the profile with --profile` },
  );
}

// RFC 9110 §5.6.2 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * One -H 'Name: value'. Authorization is refused rather than ignored: the token ocs-auth
 * adds is the point of the command, and quietly dropping the user's header would hide that
 * their own was never sent.
 */
export function parseHeader(line: string): [string, string] {
  const colon = line.indexOf(':');
  const name = colon > 0 ? line.slice(0, colon).trim() : '';
  const value = line.slice(colon + 1).trim();
  if (!HEADER_NAME.test(name) || /[\r\n\0]/.test(value)) throw new UsageError(`invalid header "${line}"`, { hint: "expected -H 'Name: value'" });
  if (name.toLowerCase() === 'authorization') {
    throw new UsageError('-H Authorization is not accepted: ocs-auth sends the profile\'s token itself', { hint: 'use `ocs-auth token` with curl to send a header of your own' });
  }
  // Another Host on the same front end is another virtual host, another tenant's service even:
  // the token goes to the resource the profile names and nowhere else.
  if (name.toLowerCase() === 'host') {
    throw new UsageError('-H Host is not accepted: the token is only ever sent to the profile\'s resource', { hint: 'give a full URL on the resource, or a path' });
  }
  return [name, value];
}

/** One -f key=value. */
export function parseField(pair: string): [string, string] {
  const equals = pair.indexOf('=');
  if (equals <= 0) throw new UsageError(`invalid field "${pair}"`, { hint: 'expected -f key=value' });
  return [pair.slice(0, equals), pair.slice(equals + 1)];
}

export type FieldValue = string | number | boolean | null;

/**
 * One field as `gh api` reads it: `-f` values are strings; `-F` values are typed (JSON's
 * true, false, null and numbers) or name a file to read (`@FILE`, `@-` for stdin). `key[]`
 * alone (no `=`) is an empty array.
 */
export type Field = { key: string; value: FieldValue } | { key: string; file: string } | { key: string; emptyArray: true };

export function parseTypedField(pair: string, typed: boolean): Field {
  if (!pair.includes('=') && pair.endsWith('[]') && pair.length > 2) return { key: pair, emptyArray: true };
  const [key, text] = parseField(pair);
  if (!typed) return { key, value: text };
  if (text.startsWith('@')) return { key, file: text.slice(1) };
  if (text === 'true' || text === 'false' || text === 'null') return { key, value: JSON.parse(text) as boolean | null };
  // JSON's number syntax: 3, -0.5, 1e3; "007" or "0x1F" stay strings, as an id would be.
  if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return { key, value: text };
  const number = Number(text);
  // 9007199254740993 would go out as …992: a different id or count, sent without a word.
  if (/^-?\d+$/.test(text) && !Number.isSafeInteger(number)) {
    throw new UsageError(`-F ${key}=${text}: too large to send exactly as a JSON number`, { hint: `send it as a string with -f ${key}=${text}` });
  }
  return { key, value: number };
}

type KeyStep = { name: string } | { push: true };

/** `a[b][]` → a, then b, then "append": gh's nested field keys. */
function keySteps(key: string): KeyStep[] {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!match) throw new UsageError(`invalid field key "${key}"`, { hint: 'expected name, name[sub] or name[] (for arrays)' });
  const steps: KeyStep[] = [{ name: match[1]! }];
  for (const [, inner] of match[2]!.matchAll(/\[([^[\]]*)\]/g)) steps.push(inner === '' ? { push: true } : { name: inner! });
  return steps;
}

type Json = FieldValue | Json[] | { [key: string]: Json };

const isPlainObject = (value: Json | undefined): value is { [key: string]: Json } => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The JSON object body the fields make, in their order: `a[]=1 a[]=2` → {"a":[1,2]},
 * `a[b]=1` → {"a":{"b":1}}, and `p[][x]=1 p[][y]=2 p[][x]=3` → {"p":[{"x":1,"y":2},{"x":3}]}
 * (a key already in the last object starts a new one, as gh does).
 */
export function fieldsBody(fields: { key: string; value: FieldValue | [] }[]): Record<string, Json> {
  const body = emptyObject();
  for (const { key, value } of fields) {
    const steps = keySteps(key);
    const clash = () => new UsageError(`field "${key}" does not fit the fields before it`, { hint: 'a key is either a value, an object (key[sub]=…) or an array (key[]=…)' });
    let container: Json = body;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      const next = steps[i + 1];
      const leaf = next === undefined;
      if ('push' in step) {
        if (!Array.isArray(container)) throw clash();
        if (leaf) {
          if (!Array.isArray(value)) container.push(value);
          break;
        }
        const last = container[container.length - 1];
        const reuse = 'name' in next && isPlainObject(last) && !Object.hasOwn(last, next.name);
        if (!reuse) container.push('push' in next ? [] : emptyObject());
        container = container[container.length - 1]!;
        continue;
      }
      if (!isPlainObject(container)) throw clash();
      const existing: Json | undefined = Object.hasOwn(container, step.name) ? container[step.name] : undefined;
      if (leaf) {
        // A repeated plain key keeps the last value, as -f always has; an object or array is not overwritten.
        if (typeof existing === 'object' && existing !== null) throw clash();
        container[step.name] = Array.isArray(value) ? [] : value;
        break;
      }
      if (existing === undefined) container[step.name] = 'push' in next ? [] : emptyObject();
      else if ('push' in next ? !Array.isArray(existing) : !isPlainObject(existing)) throw clash();
      container = container[step.name]!;
    }
  }
  return body;
}

/** No prototype: a key named __proto__ is a member like any other, not the object's prototype. */
function emptyObject(): { [key: string]: Json } {
  return Object.create(null) as { [key: string]: Json };
}

// Where a page's list is when it has more than one array: CONNECT's `items` (sds v2, as its
// samples read it), then the usual others (`Results`, OData's `value`, `data`), any case.
const LIST_KEYS = ['items', 'results', 'value', 'data'];
const CONTINUATION_KEY = 'continuationtoken';
export const CONTINUATION_PARAMETER = 'continuationToken';

/**
 * The next page of a list answer: the body's continuationToken (CONNECT, ADH), sent back as a
 * query parameter, else the Link header's rel="next" (ADH data views). Undefined on the last page.
 */
export function nextPageUrl(current: URL, body: unknown, link: string | string[] | undefined): URL | undefined {
  const token = continuationToken(body);
  if (token !== undefined) {
    const next = new URL(current);
    next.searchParams.set(CONTINUATION_PARAMETER, token);
    return next;
  }
  const reference = nextLink(Array.isArray(link) ? link.join(', ') : link);
  return reference === undefined ? undefined : new URL(reference, current);
}

function continuationToken(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const key = Object.keys(body).find((name) => name.toLowerCase() === CONTINUATION_KEY);
  const value = key === undefined ? undefined : body[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** RFC 8288: `<uri>; rel="next"`, among other links in one header. */
function nextLink(header: string | undefined): string | undefined {
  for (const match of (header ?? '').matchAll(/<([^>]*)>([^,<]*)/g)) {
    const rel = /;\s*rel\s*=\s*"?([^";]*)"?/i.exec(match[2] ?? '')?.[1];
    if (rel?.toLowerCase().split(/\s+/).includes('next')) return match[1];
  }
  return undefined;
}

/** How JSON is written out: compact (`indent` none), or indented and coloured for a terminal. */
export interface JsonText {
  /** A value whose own lines start `depth` levels in. */
  value(value: unknown, depth: number): string;
  /** An object member's name with its colon. */
  key(name: string): string;
  /** What comes before a member or an item `depth` levels in: nothing, or a newline and the indent. */
  indent(depth: number): string;
}

/** JSON.stringify's own layout: what a script reads. */
export const COMPACT_JSON: JsonText = { value: (value) => JSON.stringify(value), key: (name) => `${JSON.stringify(name)}:`, indent: () => '' };

/**
 * Pages as one answer, written as they come so that memory does not grow with their number:
 * arrays concatenated; for objects, the first page's other keys, with their list holding every
 * page's items and no continuation token left. Each `add` returns the text that page adds;
 * `end` closes the document. What is held between pages is the first page's keys after its list.
 */
export class MergedPages {
  private pages = 0;
  private items = 0;
  private listName: string | undefined;
  /** The first page's members after its list, written once the list is closed. */
  private after = '';

  constructor(private readonly json: JsonText) {}

  add(page: unknown): string {
    const index = this.pages++;
    if (index === 0) return this.first(page);
    const list = this.listName === undefined ? page : isObject(page) ? page[this.listName] : undefined;
    if (!Array.isArray(list)) return unmergeable(index);
    return this.itemsText(list);
  }

  end(): string {
    // An empty list stays `[]` on one line, as JSON.stringify writes it.
    if (this.listName === undefined) return `${this.items > 0 ? this.json.indent(0) : ''}]`;
    return `${this.items > 0 ? this.json.indent(1) : ''}]${this.after}${this.json.indent(0)}}`;
  }

  private first(page: unknown): string {
    if (Array.isArray(page)) return `[${this.itemsText(page)}`;
    const name = isObject(page) ? listKey(page) : undefined;
    if (!isObject(page) || name === undefined) return unmergeable(0);
    this.listName = name;
    const names = Object.keys(page);
    const member = (key: string) => `${this.json.indent(1)}${this.json.key(key)}${this.json.value(key.toLowerCase() === CONTINUATION_KEY ? null : page[key], 1)}`;
    const before = names.slice(0, names.indexOf(name)).map((key) => `${member(key)},`).join('');
    this.after = names.slice(names.indexOf(name) + 1).map((key) => `,${member(key)}`).join('');
    return `{${before}${this.json.indent(1)}${this.json.key(name)}[${this.itemsText(page[name] as unknown[])}`;
  }

  private itemsText(list: unknown[]): string {
    const depth = this.listName === undefined ? 1 : 2;
    return list.map((item) => `${this.items++ > 0 ? ',' : ''}${this.json.indent(depth)}${this.json.value(item, depth)}`).join('');
  }
}

/** --slurp: the pages as they came, one JSON array of them, each written as it comes. */
export class SlurpedPages {
  private pages = 0;

  constructor(private readonly json: JsonText) {}

  add(page: unknown): string {
    return `${this.pages++ > 0 ? ',' : '['}${this.json.indent(1)}${this.json.value(page, 1)}`;
  }

  end(): string {
    return `${this.json.indent(0)}]`;
  }
}

function listKey(body: Record<string, unknown>): string | undefined {
  const arrays = Object.keys(body).filter((key) => Array.isArray(body[key]));
  return arrays.find((key) => LIST_KEYS.includes(key.toLowerCase())) ?? (arrays.length === 1 ? arrays[0] : undefined);
}

function unmergeable(index: number): never {
  throw new NetworkError(`--paginate: page ${index + 1} of the answer holds no list to merge`, {
    hint: 'drop --paginate and follow continuationToken yourself',
  });
}

/** A short reason from an API error body (OCS: Reason/Error; OAuth: error_description), for the one line on stderr. */
export function errorReason(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  for (const key of ['Reason', 'reason', 'Message', 'message', 'error_description', 'detail', 'title', 'Error', 'error']) {
    const value = parsed[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim().slice(0, 200);
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

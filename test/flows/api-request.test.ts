import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Chalk } from 'chalk';
import { NetworkError, UsageError } from '../../src/errors.ts';
import { COMPACT_JSON, errorReason, fieldsBody, type JsonText, MergedPages, SlurpedPages, nextPageUrl, parseField, parseHeader, parseTypedField, resolveApiUrl, type ApiTarget } from '../../src/flows/api-request.ts';
import { highlightJson } from '../../src/cli/json-highlight.ts';

const tenant: ApiTarget = { resource: 'https://ocs.example', base: 'https://ocs.example/api/v1', tenantId: 'te/nant', accountId: undefined, namespace: 'plant' };
const account: ApiTarget = { resource: 'https://platform.example', base: 'https://platform.example/api/account/acc', tenantId: undefined, accountId: 'acc', namespace: undefined };

test('PATH: relative to the API base, /-rooted from the resource, placeholders encoded', () => {
  assert.equal(resolveApiUrl('Tenants/{tenant}/Namespaces/{namespace}/Streams?count=2', tenant).href, 'https://ocs.example/api/v1/Tenants/te%2Fnant/Namespaces/plant/Streams?count=2');
  assert.equal(resolveApiUrl('/api/v2/x', tenant).href, 'https://ocs.example/api/v2/x');
  assert.equal(resolveApiUrl('sds/store/v2/Streams', account).href, 'https://platform.example/api/account/acc/sds/store/v2/Streams');
  assert.equal(resolveApiUrl('https://OCS.example:443/api/v1/x', tenant).href, 'https://ocs.example/api/v1/x');
});

test('PATH: nothing that would take the token to another origin, or a relative path out of the API base', () => {
  for (const path of ['https://evil.example/api/v1/x', 'http://ocs.example/api/v1/x', 'https://ocs.example:8443/x', 'https://u:p@ocs.example/x', 'ftp:x', '../../x', 'a/../../x', '%2e%2e/x', '..']) {
    assert.throws(() => resolveApiUrl(path, tenant), UsageError, path);
  }
  // Still on the origin, whatever the parser makes of them.
  for (const path of ['//evil.example/x', '/\\evil.example/x', '@evil.example']) {
    assert.equal(resolveApiUrl(path, tenant).origin, 'https://ocs.example', path);
  }
  assert.throws(() => resolveApiUrl('{account}', tenant), /needs a CONNECT account profile/);
  for (const namespace of ['.', '..']) assert.throws(() => resolveApiUrl('Tenants/{tenant}/Namespaces/{namespace}/Streams', { ...tenant, namespace }), /cannot be/, namespace);
  assert.throws(() => resolveApiUrl('{tenant}', account), /needs a tenant profile/);
  assert.throws(() => resolveApiUrl('{namespace}', account), (error: UsageError) => /--namespace NAME, set OCS_NAMESPACE/.test(error.hint ?? ''));
});

test('headers and fields', () => {
  assert.deepEqual(parseHeader('X-Id:  a: b '), ['X-Id', 'a: b']);
  assert.deepEqual(parseField('filter=a=b'), ['filter', 'a=b']);
  assert.deepEqual(parseField('empty='), ['empty', '']);
  for (const bad of ['no colon', ': v', 'Bad Name: v', 'X: a\r\nY: b']) assert.throws(() => parseHeader(bad), UsageError, bad);
  assert.throws(() => parseHeader('authorization: Bearer x'), /Authorization is not accepted/);
  assert.throws(() => parseField('=v'), UsageError);
  assert.throws(() => parseField('novalue'), UsageError);
});

test('typed fields and the nested body they make, as gh api builds it', () => {
  assert.deepEqual(parseTypedField('n=1.5', true), { key: 'n', value: 1.5 });
  assert.deepEqual(parseTypedField('n=1.5', false), { key: 'n', value: '1.5' });
  assert.deepEqual(parseTypedField('f=@-', true), { key: 'f', file: '-' });
  assert.deepEqual(parseTypedField('f=@x', false), { key: 'f', value: '@x' });
  assert.deepEqual(parseTypedField('list[]', true), { key: 'list[]', emptyArray: true });
  for (const text of ['0x1F', '007', '1.', '.5', 'NaN', 'Infinity', 'True']) assert.deepEqual(parseTypedField(`v=${text}`, true), { key: 'v', value: text }, text);
  assert.deepEqual(parseTypedField('v=9007199254740991', true), { key: 'v', value: 9007199254740991 });
  assert.throws(() => parseTypedField('v=9007199254740993', true), /too large to send exactly/);
  const body = fieldsBody([
    { key: 'a[b][c]', value: 1 },
    { key: 'a[b][d]', value: 'x' },
    { key: 'm[][n][]', value: 1 },
    { key: 'm[][n][]', value: 2 },
    { key: 'same', value: 1 },
    { key: 'same', value: 2 },
    { key: '__proto__', value: 'member' },
    { key: 'o[__proto__]', value: 'member' },
  ]);
  assert.equal(JSON.stringify(body), '{"a":{"b":{"c":1,"d":"x"}},"m":[{"n":[1]},{"n":[2]}],"same":2,"__proto__":"member","o":{"__proto__":"member"}}');
  assert.equal(Object.getPrototypeOf({}), Object.prototype, 'nothing polluted');
  for (const clash of [['a', 'a[b]'], ['a[b]', 'a'], ['a[]', 'a[b]'], ['a[b]', 'a[]']]) {
    assert.throws(() => fieldsBody(clash.map((key) => ({ key, value: 1 }))), /does not fit/, clash.join(' then '));
  }
  for (const key of ['a[', 'a]', '[a]', 'a[b]c']) assert.throws(() => fieldsBody([{ key, value: 1 }]), /invalid field key/, key);
});

test('the next page: continuationToken in the body (any case) as a query parameter, else Link rel="next"', () => {
  const current = new URL('https://ocs.example/api/v1/x?count=2&continuationToken=old');
  assert.equal(nextPageUrl(current, { items: [], continuationToken: 'a b' }, undefined)?.href, 'https://ocs.example/api/v1/x?count=2&continuationToken=a+b');
  assert.equal(nextPageUrl(current, { Results: [], ContinuationToken: 'n' }, undefined)?.searchParams.get('continuationToken'), 'n');
  assert.equal(nextPageUrl(current, { items: [], continuationToken: null }, undefined), undefined);
  assert.equal(nextPageUrl(current, { items: [], continuationToken: '' }, undefined), undefined);
  const link = '<https://ocs.example/first>; rel="first", <page?n=2>; rel="next"';
  assert.equal(nextPageUrl(current, [], link)?.href, 'https://ocs.example/api/v1/page?n=2');
  assert.equal(nextPageUrl(current, [], '<https://ocs.example/p2>; rel=next')?.href, 'https://ocs.example/p2');
  assert.equal(nextPageUrl(current, [], '<https://ocs.example/first>; rel="first"'), undefined);
  assert.equal(nextPageUrl(current, [], undefined), undefined);
});

/** The pages written out one by one, as `api --paginate` does, read back. */
function mergePages(pages: unknown[], json: JsonText = COMPACT_JSON): string {
  const merged = new MergedPages(json);
  return pages.map((page) => merged.add(page)).join('') + merged.end();
}

test('pages merge as they come: arrays concatenated; the list of an object page gathered, its continuation token cleared', () => {
  const cases: Array<[unknown[], unknown]> = [
    [[[1, 2], [3]], [1, 2, 3]],
    [[[], [], []], []],
    [[{ items: [1], continuationToken: 'x', total: 3 }, { items: [2, 3], continuationToken: null, total: 3 }], { items: [1, 2, 3], continuationToken: null, total: 3 }],
    [[{ Results: [1], ContinuationToken: 'x', Other: ['kept'] }, { Results: [2] }], { Results: [1, 2], ContinuationToken: null, Other: ['kept'] }],
    [[{ ContinuationToken: 'x', streams: [{ a: [1, { b: 'c\nd' }] }] }, { streams: [] }, { streams: [2] }], { ContinuationToken: null, streams: [{ a: [1, { b: 'c\nd' }] }, 2] }],
    [[{ items: [] }], { items: [] }],
  ];
  // Written a piece at a time, the text is what JSON.stringify makes of the merged answer, compact or indented.
  const indented: JsonText = { value: (value, depth) => JSON.stringify(value, null, 2).replaceAll('\n', `\n${'  '.repeat(depth)}`), key: (name) => `${JSON.stringify(name)}: `, indent: (depth) => `\n${'  '.repeat(depth)}` };
  for (const [pages, merged] of cases) {
    assert.equal(mergePages(pages), JSON.stringify(merged));
    assert.equal(mergePages(pages, indented), JSON.stringify(merged, null, 2));
  }
  for (const pages of [[[1], [2]], [{ items: [1], continuationToken: 'x' }, 'anything']]) {
    const slurped = new SlurpedPages(indented);
    assert.equal(pages.map((page) => slurped.add(page)).join('') + slurped.end(), JSON.stringify(pages, null, 2), '--slurp');
  }
  assert.throws(() => mergePages([{ a: 1 }]), NetworkError);
  assert.throws(() => mergePages([[1], { items: [] }]), NetworkError);
  assert.throws(() => mergePages([{ items: [1] }, { other: [] }]), /page 2/);
});

test('the reason of an error answer, for the line on stderr', () => {
  assert.equal(errorReason('{"Error":"Forbidden","Reason":"Not allowed."}'), 'Not allowed.');
  assert.equal(errorReason('{"error":"invalid_request","error_description":"bad"}'), 'bad');
  assert.equal(errorReason('<html>'), undefined);
  assert.equal(errorReason('[]'), undefined);
});

test('JSON for a terminal: indented, keys and values coloured apart, numbers inside strings left alone', () => {
  const style = new Chalk({ level: 1 });
  const shown = highlightJson({ Id: 'a1 2', n: -1.5e3, ok: true, none: null, list: [1] }, style);
  assert.equal(shown.replace(/\u001b\[\d+(;\d+)*m/g, ''), JSON.stringify({ Id: 'a1 2', n: -1.5e3, ok: true, none: null, list: [1] }, null, 2));
  assert.ok(shown.includes(style.green('"a1 2"')));
  assert.ok(shown.includes(`${style.blue.bold('"Id"')}:`));
  assert.ok(shown.includes(style.cyan('-1500')));
  assert.ok(shown.includes(style.yellow('true')));
  assert.equal(highlightJson([1], new Chalk({ level: 0 })), '[\n  1\n]');
});

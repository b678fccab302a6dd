// Property tests over the parsers that read what others wrote (issue 6): the config file,
// the loopback server's view of a browser request, and the token endpoint's answer. Random
// input may be refused, but only with one of our typed errors (an exit code), never a crash.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseConfig, PROFILE_KEYS } from '../src/config/config-file.ts';
import { OcsAuthError } from '../src/errors.ts';
import { answerRedirect, renderPage } from '../src/flows/callback-server.ts';
import { processTokenResponse } from '../src/flows/token-response.ts';

const RUNS = { numRuns: 500 };

function throwsOnlyOurs(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof OcsAuthError, `threw ${String(error)}`);
  }
}

// Lines built from INI's own pieces, so the parser's interesting paths are reached, not just
// "expected key = value" on line 1.
const iniLine = fc.oneof(
  fc.string(),
  fc.constantFrom('', '; comment', '# comment', '[default]', '[a]b]', '[]', '[ p ]', 'resource', '=', ' = x'),
  fc.tuple(fc.constantFrom(...PROFILE_KEYS, 'client_secret', '__proto__', 'constructor'), fc.string()).map(([key, value]) => `${key} = ${value}`),
  fc.string().map((name) => `[${name}]`),
);

test('parseConfig: any text is a config or a UsageError naming the line', () => {
  fc.assert(
    fc.property(fc.array(iniLine, { maxLength: 12 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
      throwsOnlyOurs(() => {
        const config = parseConfig(lines.join(eol), 'config.ini');
        for (const [name, profile] of Object.entries(config)) {
          assert.match(name, /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/);
          for (const key of Object.keys(profile)) assert.ok((PROFILE_KEYS as readonly string[]).includes(key), key);
        }
      });
    }),
    RUNS,
  );
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => throwsOnlyOurs(() => parseConfig(text, 'config.ini'))), RUNS);
});

const STATE = 'expected-state-0123456789';
const expected = { redirectUri: 'http://localhost:5004/callback.html', state: STATE, issuer: 'https://ocs.example/identity' };
const target = { port: 5004, path: '/callback.html' };
const queryValue = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom(STATE, '<script>alert(1)</script>', '"\'&<>', '%00', '%ZZ', '\u001b[31m'));
const queryPart = fc.tuple(fc.constantFrom('code', 'state', 'iss', 'error', 'error_description', 'x', ''), queryValue, fc.boolean()).map(
  ([key, value, encode]) => `${key}=${encode ? encodeURIComponent(value) : value}`,
);
const requestTarget = fc.oneof(
  fc.array(queryPart, { maxLength: 6 }).map((parts) => `/callback.html?${parts.join('&')}`),
  fc.string().map((text) => `/callback.html?${text}`),
  fc.string(),
  fc.string({ minLength: 4000, maxLength: 5000 }).map((text) => `/callback.html?code=${text}`),
);

test('the callback server judges any request without throwing, and its page never carries markup from the request', () => {
  fc.assert(
    fc.property(fc.constantFrom('GET', 'POST', 'PUT', 'HEAD', 'OPTIONS'), requestTarget, (method, url) => {
      const reply = answerRedirect(method, url, target, expected);
      assert.ok(Number.isInteger(reply.status) && reply.status >= 200 && reply.status < 600);
      if (reply.outcome && 'error' in reply.outcome) assert.ok(reply.outcome.error instanceof OcsAuthError);
      if (reply.outcome && 'response' in reply.outcome) {
        assert.equal(method, 'GET');
        assert.ok(reply.outcome.response.code.length > 0);
      }
      // Only the fixed frame's tags: whatever the message holds arrives escaped.
      const page = renderPage(reply.page);
      const message = /<p>([\s\S]*)<\/p>/.exec(page)![1]!;
      assert.doesNotMatch(message, /[<>"']|[\u0000-\u001f]/);
    }),
    RUNS,
  );
});

test('renderPage escapes any text', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (text) => {
      const message = /<p>([\s\S]*)<\/p>/.exec(renderPage(text))![1]!;
      assert.doesNotMatch(message, /[<>"']/);
    }),
    RUNS,
  );
});

const jsonish = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
const tokenBody = fc.oneof(
  fc.record(
    { access_token: jsonish, token_type: fc.oneof(jsonish, fc.constantFrom('Bearer', 'bearer', 'mac')), expires_in: fc.oneof(jsonish, fc.integer({ min: -10, max: 4000 })), refresh_token: jsonish, scope: jsonish, error: jsonish, error_description: jsonish },
    { requiredKeys: [] },
  ).map((body) => JSON.stringify(body)),
  fc.json(),
  fc.string(),
);

test('processTokenResponse: any answer is a usable TokenSet or one of our errors', () => {
  fc.assert(
    fc.property(fc.constantFrom(200, 200, 200, 400, 401, 403, 404, 429, 500, 502, 503), tokenBody, (status, body) => {
      throwsOnlyOurs(() => {
        const tokens = processTokenResponse({ status, headers: {}, body, url: 'https://ocs.example/identity/connect/token' }, 1_000);
        assert.equal(status, 200);
        assert.ok(typeof tokens.accessToken === 'string' && tokens.accessToken !== '');
        assert.ok(Number.isFinite(tokens.expiresAt) && tokens.expiresAt > 1_000);
      });
    }),
    RUNS,
  );
});

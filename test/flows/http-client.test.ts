// The streaming side of the HTTP client against a loopback server of the test's own.
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { createHttpClient } from '../../src/flows/http-client.ts';

test('a streamed body nobody reads any more, whose connection then times out, is no uncaught error dumping the request', async () => {
  const open: ServerResponse[] = [];
  // Head and a little body, then idle with the connection kept alive: the body never ends.
  const server = createServer((_req, res) => {
    open.push(res);
    res.writeHead(401, { 'Content-Type': 'application/json' }).write('{"Reason":"no');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const uncaught: unknown[] = [];
  const hear = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', hear);
  try {
    const client = createHttpClient({ userAgent: 'test', timeoutMs: 200, trace: undefined, env: {} });
    const response = await client.stream(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { method: 'GET', headers: { Authorization: 'Bearer secret-token' } });
    assert.equal(response.status, 401);
    // The caller looks at the status and moves on without reading or destroying the body.
    await sleep(800);
    assert.deepEqual(uncaught.map((error) => (error as Error).message), []);
  } finally {
    process.off('uncaughtException', hear);
    for (const res of open) res.destroy();
    server.close();
  }
});

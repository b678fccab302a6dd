// Another origin on this machine, which must never see a request: whatever reached it could
// carry a token or a secret. Its requests are kept for the test to count.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';

export interface Elsewhere {
  /** http://127.0.0.1:PORT, set once the file's tests start. */
  origin: string;
  requests: IncomingMessage[];
}

/** Registers the hooks that start and stop it; call once at the top of a test file. */
export function useElsewhere(): Elsewhere {
  const elsewhere: Elsewhere = { origin: '', requests: [] };
  let server: Server;
  before(async () => {
    server = createServer((req, res) => {
      elsewhere.requests.push(req);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('[]');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    elsewhere.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return elsewhere;
}

// A real forward proxy for tests: it answers CONNECT by opening a TCP tunnel, as a company
// proxy does, and records every CONNECT it saw. It resolves no names itself: it knows only
// the hosts it is given (e.g. ocs.test:443 → 127.0.0.1:port), so a request that reaches a
// test host name without passing through it finds nothing.
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ConnectRecord {
  /** host:port as asked for. */
  target: string;
  /** The Proxy-Authorization header, decoded ("user:password"), when there was one. */
  credentials: string | undefined;
  /** What the proxy answered. */
  status: number;
}

export interface ForwardProxy {
  /** http://127.0.0.1:port, no credentials. */
  url: string;
  port: number;
  connects: ConnectRecord[];
  close(): Promise<void>;
}

export interface ForwardProxyOptions {
  /** "host:port" as the client names it → the 127.0.0.1 port that answers for it. */
  hosts: Record<string, number>;
  /** When given, a CONNECT without exactly these Basic credentials is answered 407. */
  credentials?: { user: string; password: string };
}

export async function startForwardProxy(options: ForwardProxyOptions): Promise<ForwardProxy> {
  const connects: ConnectRecord[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((_req, res) => {
    // Only tunnels are offered: a plain request means the client did not speak CONNECT.
    res.writeHead(405, { 'content-type': 'text/plain' }).end('this test proxy only tunnels (CONNECT)');
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const target = req.url ?? '';
    const credentials = basicCredentials(req.headers['proxy-authorization']);
    const answer = (status: number, reason: string, headers = ''): void => {
      connects.push({ target, credentials, status });
      client.end(`HTTP/1.1 ${status} ${reason}\r\n${headers}Content-Length: 0\r\nConnection: close\r\n\r\n`);
    };
    if (options.credentials && credentials !== `${options.credentials.user}:${options.credentials.password}`) {
      answer(407, 'Proxy Authentication Required', 'Proxy-Authenticate: Basic realm="test proxy"\r\n');
      return;
    }
    const port = options.hosts[target.toLowerCase()];
    if (port === undefined) {
      answer(502, 'Bad Gateway');
      return;
    }
    const upstream = connect(port, '127.0.0.1', () => {
      connects.push({ target, credentials, status: 200 });
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function basicCredentials(header: string | undefined): string | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  return match ? Buffer.from(match[1]!, 'base64').toString('utf8') : undefined;
}

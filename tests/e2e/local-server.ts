import { createServer, type IncomingMessage, type Server } from 'node:http';

/**
 * The outside world of the end-to-end tests: an HTTP server on 127.0.0.1 whose routes fail,
 * stall or count, and which remembers every request it received.
 */
export interface LocalServer {
  url: string;
  requests: { path: string; idempotencyKey: string | undefined; aborted: boolean }[];
  count(pathPrefix: string): number;
  close(): Promise<void>;
}

export async function startLocalServer(): Promise<LocalServer> {
  const requests: LocalServer['requests'] = [];
  const flakyCalls = new Map<string, number>();
  const server: Server = createServer((request: IncomingMessage, response) => {
    const url = new URL(request.url ?? '/', 'http://local');
    const record = { path: url.pathname, idempotencyKey: header(request, 'idempotency-key'), aborted: false };
    requests.push(record);
    response.on('close', () => {
      if (!response.writableFinished) record.aborted = true;
    });
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (url.pathname === '/echo') return json(200, { n: Number(url.searchParams.get('n') ?? 0) });
    if (url.pathname.startsWith('/flaky/')) {
      // Fails the first `failures` calls for one key, then succeeds.
      const calls = (flakyCalls.get(url.pathname) ?? 0) + 1;
      flakyCalls.set(url.pathname, calls);
      return calls <= Number(url.searchParams.get('failures') ?? 2) ? json(500, { calls }) : json(200, { calls });
    }
    if (url.pathname.startsWith('/slow/')) {
      const timer = setTimeout(() => json(200, { slept: true }), Number(url.searchParams.get('ms') ?? 5_000));
      response.on('close', () => clearTimeout(timer));
      return;
    }
    if (url.pathname.startsWith('/count/')) return json(200, { ok: true });
    return json(404, { error: 'no such route' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    count: (prefix) => requests.filter((request) => request.path.startsWith(prefix)).length,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

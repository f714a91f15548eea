import diagnosticsChannel from 'node:diagnostics_channel';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ActionContext } from '../src/action';
import { ActionError } from '../src/action-error';
import { httpRequestAction } from '../src/http-request.action';
import { runAction } from '../src/run-action';
import { createTestContext } from './test-context';

/**
 * Test support for `http.request` (not exported from the package): local HTTP servers on
 * 127.0.0.1 that record what they receive, runners, and a watcher of connection attempts
 * (undici's and Node's diagnostics channels) to assert that a refused destination saw no traffic.
 */

/** What the tests' contexts allow by default: the loopback address the test servers listen on. */
export const LOOPBACK_ALLOWED = { allowPrivateNetworks: ['127.0.0.1/32'] };

export interface RecordedRequest {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface TestServer {
  origin: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const openServers: TestServer[] = [];

/** Closes every server started since the last call; register with `afterEach(closeServers)`. */
export async function closeServers(): Promise<void> {
  await Promise.all(openServers.splice(0).map((server) => server.close()));
}

export async function startServer(
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const testServer: TestServer = {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closed;
    },
  };
  openServers.push(testServer);
  return testServer;
}

export function serverOrigin(req: IncomingMessage): string {
  return `http://${req.headers.host}`;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function text(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function redirect(res: ServerResponse, status: number, location: string): void {
  res.writeHead(status, { Location: location });
  res.end();
}

export interface HttpOutput {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export async function runOutput(input: Record<string, unknown>, overrides: Partial<ActionContext> = {}): Promise<HttpOutput> {
  const { ctx } = createTestContext({ http: LOOPBACK_ALLOWED, ...overrides });
  const result = await runAction(httpRequestAction, input, ctx);
  if (result.kind !== 'output') throw new Error(`unexpected ${result.kind}`);
  return result.output as HttpOutput;
}

export async function runFailure(input: Record<string, unknown>, overrides: Partial<ActionContext> = {}): Promise<ActionError> {
  const { ctx } = createTestContext({ http: LOOPBACK_ALLOWED, ...overrides });
  const error = await runAction(httpRequestAction, input, ctx).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ActionError)) throw new Error(`expected an ActionError, got ${String(error)}`);
  return error;
}

/** Records connection attempts: undici's before-connect (host:port), Node socket creations, completed connects. */
export function watchConnections() {
  const seen = { undici: [] as string[], sockets: 0, connected: 0 };
  const onBeforeConnect = (message: unknown) => {
    const { hostname, port } = (message as { connectParams: { hostname: string; port: string } }).connectParams;
    seen.undici.push(`${hostname}:${port}`);
  };
  const onSocket = () => {
    seen.sockets++;
  };
  const onConnected = () => {
    seen.connected++;
  };
  diagnosticsChannel.subscribe('undici:client:beforeConnect', onBeforeConnect);
  diagnosticsChannel.subscribe('net.client.socket', onSocket);
  diagnosticsChannel.subscribe('undici:client:connected', onConnected);
  return {
    get undici() {
      return seen.undici;
    },
    get sockets() {
      return seen.sockets;
    },
    get connected() {
      return seen.connected;
    },
    stop() {
      diagnosticsChannel.unsubscribe('undici:client:beforeConnect', onBeforeConnect);
      diagnosticsChannel.unsubscribe('net.client.socket', onSocket);
      diagnosticsChannel.unsubscribe('undici:client:connected', onConnected);
    },
  };
}

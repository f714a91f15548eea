import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConsoleConfig } from '@conveyor/config';
import { createLogger } from '@conveyor/observability';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from './app';

// The console's server against an upstream that records what reaches it (standing in for the api's
// public listener, which the browser tests drive for real), and a built app of one index.html.

let app: FastifyInstance;
let upstream: Server;
let publicDir: string;
const received: { url: string; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  upstream = createServer((request, response) => {
    received.push({ url: request.url ?? '', headers: request.headers });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ relayed: request.url }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const address = upstream.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  publicDir = await mkdtemp(path.join(tmpdir(), 'console-public-'));
  await writeFile(path.join(publicDir, 'index.html'), '<!doctype html><title>console</title>');
  const config = loadConsoleConfig({ CONSOLE_API_URL: `http://127.0.0.1:${port}/` });
  app = await buildConsole({ config, log: createLogger({ service: 'console', level: 'silent' }), publicDir });
});

afterAll(async () => {
  await app?.close();
  upstream?.close();
  await rm(publicDir, { recursive: true, force: true });
});

describe('the console server', () => {
  it('relays /v1 to the api with the caller’s token and address, and nothing else of its own', async () => {
    const response = await app.inject({
      url: '/v1/runs?status=FAILED',
      headers: { authorization: 'Bearer a-token', 'x-forwarded-for': '203.0.113.9' },
      remoteAddress: '198.51.100.7',
    });
    expect(response.json()).toEqual({ relayed: '/v1/runs?status=FAILED' });
    const [request] = received.slice(-1);
    expect(request?.headers.authorization).toBe('Bearer a-token');
    expect(request?.headers['x-forwarded-for']).toBe('198.51.100.7'); // the socket's address, not the one the caller claimed
  });

  it('refuses a body over the api’s 1 MiB itself, with 413, instead of relaying it', async () => {
    const before = received.length;
    const response = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ pad: 'x'.repeat(1_100_000) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json().error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { field: 'body' } });
    expect(received.length).toBe(before);
  });

  it('serves the app for any page address, so a deep link loads, with a strict content policy', async () => {
    for (const url of ['/', '/runs', '/runs/0b8c2f9e-6a57-4c1e-9f53-2a7f3d1c8e44']) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.body).toContain('<title>console</title>');
      expect(response.headers['content-security-policy']).toContain("script-src 'self'");
      expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
    expect((await app.inject({ method: 'HEAD', url: '/runs' })).statusCode).toBe(200);
  });

  it('answers 404 for a missing asset or a non-GET outside /v1, and is healthy', async () => {
    expect((await app.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/runs' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
  });

  it('refuses to start without a built app', async () => {
    const config = loadConsoleConfig({});
    await expect(
      buildConsole({ config, log: createLogger({ service: 'console', level: 'silent' }), publicDir: tmpdir() }),
    ).rejects.toThrow(/not built/);
  });
});

import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestContext } from '../test/test-context';
import { closeServers, json, LOOPBACK_ALLOWED, runFailure, runOutput, startServer, text } from '../test/test-http-server';
import { ActionAbortedError } from './action-error';
import { httpRequestAction } from './http-request.action';
import { runAction } from './run-action';

// Every server here listens on 127.0.0.1; no test connects anywhere else.
afterEach(closeServers);

describe('http.request', () => {
  describe('requests and responses', () => {
    it('GETs JSON and returns status, lowercased headers and the parsed body', async () => {
      const server = await startServer((_req, res) => json(res, 200, { hello: 'world' }, { 'X-Custom': 'yes' }));
      const output = await runOutput({ url: `${server.origin}/things` });
      expect(output).toMatchObject({ status: 200, body: { hello: 'world' } });
      expect(output.headers['content-type']).toBe('application/json');
      expect(output.headers['x-custom']).toBe('yes');
      expect(server.requests[0]).toMatchObject({ method: 'GET', url: '/things' });
    });

    it('POSTs an object body as JSON and gets the echo back', async () => {
      const server = await startServer((req, res, body) =>
        json(res, 201, { received: JSON.parse(body), type: req.headers['content-type'] }),
      );
      const output = await runOutput({ method: 'POST', url: `${server.origin}/echo`, body: { a: 1, list: [true, null] } });
      expect(output.status).toBe(201);
      expect(output.body).toEqual({ received: { a: 1, list: [true, null] }, type: 'application/json' });
    });

    it('sends a string body as is, keeping a content-type the input sets', async () => {
      const server = await startServer((_req, res) => res.end('ok'));
      await runOutput({
        method: 'PUT',
        url: server.origin,
        body: 'a=1&b=2',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      await runOutput({ method: 'PATCH', url: server.origin, body: 'plain' });
      expect(server.requests[0]).toMatchObject({ method: 'PUT', body: 'a=1&b=2' });
      expect(server.requests[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(server.requests[1]?.headers['content-type']).toBe('text/plain; charset=utf-8');
    });

    it('returns text for non-JSON content types, and honours responseType', async () => {
      const server = await startServer((req, res) => {
        if (req.url === '/text') return text(res, 200, 'just words', 'text/plain');
        json(res, 200, { n: 1 });
      });
      expect((await runOutput({ url: `${server.origin}/text` })).body).toBe('just words');
      expect((await runOutput({ url: `${server.origin}/json`, responseType: 'text' })).body).toBe('{"n":1}');
      const error = await runFailure({ url: `${server.origin}/text`, responseType: 'json' });
      expect(error).toMatchObject({ kind: 'response_invalid', retryable: false });
    });

    it('appends query params to the ones already in the URL', async () => {
      const server = await startServer((_req, res) => res.end());
      await runOutput({ url: `${server.origin}/q?a=1`, query: { b: 2, c: ['x', 'y z'], flag: true } });
      expect(server.requests[0]?.url).toBe('/q?a=1&b=2&c=x&c=y+z&flag=true');
    });

    it('sends input headers and ctx.idempotencyKey as Idempotency-Key unless the input sets one', async () => {
      const server = await startServer((_req, res) => res.end());
      await runOutput({ url: server.origin, headers: { 'X-Api-Key': 'k1' } });
      await runOutput({ url: server.origin, headers: { 'idempotency-KEY': 'mine' } });
      expect(server.requests[0]?.headers).toMatchObject({ 'x-api-key': 'k1', 'idempotency-key': 'step-run-1' });
      expect(server.requests[1]?.headers['idempotency-key']).toBe('mine');
    });

    it('joins repeated response headers', async () => {
      const server = await startServer((_req, res) => {
        res.setHeader('Set-Cookie', ['a=1', 'b=2']);
        res.end();
      });
      expect((await runOutput({ url: server.origin })).headers['set-cookie']).toBe('a=1, b=2');
    });

    it('sends HEAD without reading a body', async () => {
      const server = await startServer((_req, res) => json(res, 200, { ignored: true }));
      const output = await runOutput({ method: 'HEAD', url: server.origin });
      expect(output.status).toBe(200);
      expect(server.requests[0]?.method).toBe('HEAD');
    });

    it('decompresses gzip responses', async () => {
      const server = await startServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
        res.end(gzipSync(JSON.stringify({ zipped: true })));
      });
      const output = await runOutput({ url: server.origin, headers: { 'Accept-Encoding': 'gzip' } });
      expect(output.body).toEqual({ zipped: true });
      expect(output.headers['content-encoding']).toBeUndefined();
    });

    it('logs one info line per request with method, url without query values, status and duration', async () => {
      const server = await startServer((_req, res) => res.end('fine'));
      const { ctx, lines } = createTestContext({ http: LOOPBACK_ALLOWED });
      await runAction(httpRequestAction, { url: `${server.origin}/p?token=secret&x=1` }, ctx);
      const infos = lines.filter((line) => line.level === 'info');
      expect(infos).toHaveLength(1);
      expect(infos[0]?.context).toMatchObject({ method: 'GET', url: `${server.origin}/p?token=***&x=***`, status: 200 });
      expect(infos[0]?.context?.durationMs).toEqual(expect.any(Number));
      expect(JSON.stringify(lines)).not.toContain('secret');
    });
  });

  describe('status errors', () => {
    it('fails a 500 as retryable, with the status', async () => {
      const server = await startServer((_req, res) => text(res, 500, 'boom', 'text/plain'));
      const error = await runFailure({ url: server.origin });
      expect(error).toMatchObject({ kind: 'http_status', retryable: true, code: 'DEPENDENCY_UNAVAILABLE' });
      expect(error.details).toMatchObject({ status: 500, bodyPreview: 'boom', retryable: true });
    });

    it('fails a 404 as not retryable', async () => {
      const server = await startServer((_req, res) => json(res, 404, { error: 'nope' }));
      const error = await runFailure({ url: server.origin });
      expect(error).toMatchObject({ kind: 'http_status', retryable: false, code: 'NOT_FOUND' });
      expect(error.details.status).toBe(404);
    });

    it('fails a 429 as retryable and passes Retry-After on', async () => {
      const server = await startServer((_req, res) => {
        res.writeHead(429, { 'Retry-After': '3' });
        res.end();
      });
      const error = await runFailure({ url: server.origin });
      expect(error).toMatchObject({ retryable: true, details: { status: 429, retryAfterMs: 3000 } });
    });

    it.each([
      [400, false],
      [401, false],
      [403, false],
      [408, true],
      [409, false],
      [422, false],
      [425, true],
      [502, true],
      [503, true],
    ])('classifies %i as retryable=%s', async (status, retryable) => {
      const server = await startServer((_req, res) => text(res, status, '', 'text/plain'));
      expect((await runFailure({ url: server.origin })).retryable).toBe(retryable);
    });

    it('returns non-2xx responses when failOnStatus is false', async () => {
      const server = await startServer((_req, res) => json(res, 404, { error: 'nope' }));
      expect(await runOutput({ url: server.origin, failOnStatus: false })).toMatchObject({
        status: 404,
        body: { error: 'nope' },
      });
    });
  });

  describe('timeouts, aborts and limits', () => {
    it('aborts at timeoutMs as a retryable timeout', async () => {
      const server = await startServer(() => undefined); // never answers
      const started = Date.now();
      const error = await runFailure({ url: server.origin, timeoutMs: 200 });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(error).not.toBeInstanceOf(ActionAbortedError);
      expect(error).toMatchObject({ kind: 'timeout', retryable: true });
    });

    it('stops with ActionAbortedError when ctx.signal aborts (run cancelled)', async () => {
      const server = await startServer(() => undefined);
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('run cancelled')), 100);
      const started = Date.now();
      const error = await runFailure({ url: server.origin, timeoutMs: 60_000 }, { signal: controller.signal });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(error).toBeInstanceOf(ActionAbortedError);
      expect(error).toMatchObject({ kind: 'aborted', timedOut: false, retryable: false });
    });

    it('reports a step timeout from ctx.signal as a timed-out abort', async () => {
      const server = await startServer(() => undefined);
      const error = await runFailure({ url: server.origin, timeoutMs: 60_000 }, { signal: AbortSignal.timeout(100) });
      expect(error).toBeInstanceOf(ActionAbortedError);
      expect(error).toMatchObject({ timedOut: true, retryable: true });
    });

    it('refuses a body larger than maxResponseBytes, declared or streamed', async () => {
      const server = await startServer((req, res) => {
        if (req.url === '/declared') return text(res, 200, 'x'.repeat(2000), 'text/plain');
        res.writeHead(200, { 'Content-Type': 'text/plain' }); // chunked, no content-length
        res.write('x'.repeat(800));
        res.end('y'.repeat(800));
      });
      for (const path of ['/declared', '/streamed']) {
        const error = await runFailure({ url: `${server.origin}${path}`, maxResponseBytes: 1000 });
        expect(error, path).toMatchObject({ kind: 'response_too_large', retryable: false });
      }
      expect((await runOutput({ url: `${server.origin}/declared`, maxResponseBytes: 2000 })).body).toHaveLength(2000);
    });

    it('counts decompressed bytes against maxResponseBytes', async () => {
      const server = await startServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' });
        res.end(gzipSync('z'.repeat(100_000))); // ~100 bytes on the wire
      });
      const error = await runFailure({ url: server.origin, maxResponseBytes: 10_000 });
      expect(error).toMatchObject({ kind: 'response_too_large', retryable: false });
    });

    it('fails an unreachable port as a retryable network error', async () => {
      const server = await startServer(() => undefined);
      await server.close();
      const error = await runFailure({ url: server.origin });
      expect(error).toMatchObject({ kind: 'network', retryable: true });
    });
  });

  it('names the failing field when the input is invalid', async () => {
    const error = await runFailure({ url: 'not a url' });
    expect(error).toMatchObject({ kind: 'input', retryable: false, message: 'input.url: Invalid URL' });
    expect((await runFailure({ url: 'ftp://example.test/' })).message).toBe('input.url: Invalid URL');
    expect((await runFailure({ url: 'http://example.test/', timeoutMs: 300_001 })).message).toMatch(/^input\.timeoutMs: /);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import {
  closeServers,
  json,
  redirect,
  runFailure,
  runOutput,
  serverOrigin,
  startServer,
  watchConnections,
} from '../test/test-http-server';

// Refused destinations must see no traffic: each refusal is asserted to happen before any connection
// attempt (undici's before-connect and Node's socket-creation diagnostics channels stay silent).
// Every server here listens on 127.0.0.1; nothing else is ever connected to.
afterEach(closeServers);

describe('http.request destinations', () => {
  describe('redirects', () => {
    it('follows redirects and returns the final response', async () => {
      const server = await startServer((req, res) => {
        if (req.url === '/start') return redirect(res, 302, '/middle');
        if (req.url === '/middle') return redirect(res, 301, `${serverOrigin(req)}/final`);
        json(res, 200, { at: req.url });
      });
      expect(await runOutput({ url: `${server.origin}/start` })).toMatchObject({ status: 200, body: { at: '/final' } });
      expect(server.requests.map((r) => r.url)).toEqual(['/start', '/middle', '/final']);
    });

    it('turns a POST into a GET without body on 303, and keeps method and body on 307', async () => {
      const server = await startServer((req, res) => {
        if (req.url === '/see-other') return redirect(res, 303, '/done');
        if (req.url === '/temporary') return redirect(res, 307, '/done');
        res.end();
      });
      await runOutput({ method: 'POST', url: `${server.origin}/see-other`, body: { a: 1 } });
      await runOutput({ method: 'POST', url: `${server.origin}/temporary`, body: { a: 2 } });
      expect(server.requests.map((r) => [r.method, r.url, r.body])).toEqual([
        ['POST', '/see-other', '{"a":1}'],
        ['GET', '/done', ''],
        ['POST', '/temporary', '{"a":2}'],
        ['POST', '/done', '{"a":2}'],
      ]);
    });

    it('sends none of the step’s headers when a redirect leaves the origin', async () => {
      const other = await startServer((_req, res) => res.end());
      const server = await startServer((_req, res) => redirect(res, 302, `${other.origin}/elsewhere`));
      const headers = { Authorization: 'Bearer t', Cookie: 'c=1', 'X-Api-Key': 'k-123', 'X-Keep': 'k', 'Idempotency-Key': 'i' };
      await runOutput({ url: server.origin, headers });
      expect(server.requests[0]?.headers).toMatchObject({ authorization: 'Bearer t', 'x-api-key': 'k-123', 'x-keep': 'k' });
      const forwarded = other.requests[0]?.headers ?? {};
      for (const name of ['authorization', 'cookie', 'x-api-key', 'x-keep', 'idempotency-key']) {
        expect(forwarded[name], name).toBeUndefined();
      }
    });

    it('does not follow a 307 that would send the step’s body to another origin', async () => {
      const other = await startServer((_req, res) => res.end());
      const server = await startServer((_req, res) => redirect(res, 307, `${other.origin}/elsewhere`));
      const error = await runFailure({ method: 'POST', url: server.origin, body: { clientSecret: 's' } });
      expect(error).toMatchObject({ kind: 'http_status', retryable: false, details: { status: 307 } });
      expect(error.message).toContain('not followed');
      expect(other.requests).toHaveLength(0);
    });

    it('keeps the step’s headers on a redirect within the origin', async () => {
      const server = await startServer((req, res) => (req.url === '/start' ? redirect(res, 302, '/next') : res.end()));
      await runOutput({ url: `${server.origin}/start`, headers: { 'X-Api-Key': 'k-123' } });
      expect(server.requests.map((request) => request.headers['x-api-key'])).toEqual(['k-123', 'k-123']);
    });

    it('gives up after 5 redirects', async () => {
      const server = await startServer((req, res) => redirect(res, 302, `/hop${Number(req.url?.slice(4) || 0) + 1}`));
      const error = await runFailure({ url: `${server.origin}/hop0` });
      expect(error).toMatchObject({ kind: 'http_status', retryable: false });
      expect(error.message).toContain('too many redirects');
      expect(server.requests).toHaveLength(6);
    });

    it('returns the 3xx itself when followRedirects is false', async () => {
      const server = await startServer((_req, res) => redirect(res, 302, '/x'));
      const output = await runOutput({ url: server.origin, followRedirects: false, failOnStatus: false });
      expect(output).toMatchObject({ status: 302, headers: { location: '/x' } });
    });

    it.each(['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/', 'http://[::1]/', 'file:///etc/passwd'])(
      'refuses a redirect to %s before connecting to it',
      async (target) => {
        const server = await startServer((_req, res) => redirect(res, 302, target));
        const connections = watchConnections();
        const error = await runFailure({ url: server.origin }).finally(connections.stop);
        expect(error).toMatchObject({ kind: 'destination_refused', retryable: false });
        expect(connections.undici).toEqual([`127.0.0.1:${server.port}`]); // only the first hop connected
      },
    );
  });

  describe('destination policy', () => {
    it('refuses loopback when the allowlist is empty, without connecting', async () => {
      const server = await startServer((_req, res) => res.end());
      const connections = watchConnections();
      const error = await runFailure({ url: server.origin }, { http: { allowPrivateNetworks: [] } }).finally(connections.stop);
      expect(error).toMatchObject({ kind: 'destination_refused', retryable: false, code: 'FORBIDDEN' });
      expect(error.details).toMatchObject({ address: '127.0.0.1', range: 'loopback' });
      expect(connections.undici).toEqual([]);
      expect(connections.sockets).toBe(0);
      expect(server.requests).toEqual([]);
    });

    it('connects to loopback when 127.0.0.1/32 is allowlisted (and the connection watcher sees it)', async () => {
      const server = await startServer((_req, res) => res.end('hi'));
      const connections = watchConnections();
      const output = await runOutput({ url: server.origin }, { http: { allowPrivateNetworks: ['127.0.0.1/32'] } }).finally(
        connections.stop,
      );
      expect(output.body).toBe('hi');
      expect(connections.undici).toEqual([`127.0.0.1:${server.port}`]);
      expect(connections.sockets).toBe(1);
      expect(connections.connected).toBe(1);
    });

    it.each([
      'http://10.0.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:10.1.2.3]:8080/',
      'http://0.0.0.0/',
      'http://2130706433/', // 127.0.0.1 as one number
      'http://0x7f.1/', // 127.0.0.1 in legacy notation
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://224.0.0.1/',
      'http://[fd12:3456::1]/',
      'http://[fe80::1]/',
      'https://[::]/',
    ])('refuses the literal address in %s without any traffic', async (url) => {
      const connections = watchConnections();
      const error = await runFailure({ url }, { http: { allowPrivateNetworks: [] } }).finally(connections.stop);
      expect(error).toMatchObject({ kind: 'destination_refused', retryable: false });
      expect(connections.undici).toEqual([]);
      expect(connections.sockets).toBe(0);
    });

    it('resolves localhost and refuses its loopback address when not allowed, before connecting', async () => {
      const server = await startServer((_req, res) => res.end());
      const connections = watchConnections();
      const error = await runFailure({ url: `http://localhost:${server.port}/` }, { http: { allowPrivateNetworks: [] } }).finally(
        connections.stop,
      );
      expect(error).toMatchObject({ kind: 'destination_refused', retryable: false });
      expect(error.message).toContain('127.0.0.1 (loopback)');
      expect(connections.connected).toBe(0);
      expect(server.requests).toEqual([]);
    });

    it('connects to localhost when its address is allowlisted', async () => {
      const server = await startServer((_req, res) => res.end('local'));
      expect((await runOutput({ url: `http://localhost:${server.port}/` })).body).toBe('local');
    });

    it('fails with a config error on an invalid allowlist entry', async () => {
      const error = await runFailure({ url: 'http://example.test/' }, { http: { allowPrivateNetworks: ['not-a-cidr'] } });
      expect(error).toMatchObject({ kind: 'config', retryable: false, code: 'INVALID_CONFIG' });
    });
  });
});

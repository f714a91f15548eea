import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestContext } from '../test/test-context';
import { closeServers, json, LOOPBACK_ALLOWED, redirect, runFailure, startServer } from '../test/test-http-server';
import { credentialHeaders } from './http-auth';
import { httpRequestAction } from './http-request.action';
import { runAction } from './run-action';

// Every server here listens on 127.0.0.1; no test connects anywhere else.
afterEach(closeServers);

async function call(input: Record<string, unknown>, connection: Record<string, unknown>, now = () => Date.now()) {
  const { ctx, redacted, lines } = createTestContext({ http: LOOPBACK_ALLOWED, connection, now });
  const result = await runAction(httpRequestAction, input, ctx);
  if (result.kind !== 'output') throw new Error(`unexpected ${result.kind}`);
  return { output: result.output as { status: number; body: unknown }, redacted, lines };
}

describe('http.request with a connection', () => {
  it('sends a bearer token in Authorization, over the input’s own header, and marks it secret', async () => {
    const server = await startServer((_req, res) => json(res, 200, { ok: true }));
    const { redacted } = await call(
      { url: server.origin, headers: { Authorization: 'Bearer from-the-input' } },
      { type: 'bearer', token: 'tok_live_123' },
    );
    expect(server.requests[0]?.headers.authorization).toBe('Bearer tok_live_123');
    expect(redacted).toContain('Bearer tok_live_123');
  });

  it('sends basic credentials and an API-key header, each marked secret (the encoded form too)', async () => {
    const server = await startServer((_req, res) => json(res, 200, {}));
    const basic = await call({ url: server.origin }, { type: 'basic', username: 'ann', password: 'pa55word' });
    const encoded = Buffer.from('ann:pa55word').toString('base64');
    expect(server.requests[0]?.headers.authorization).toBe(`Basic ${encoded}`);
    expect(basic.redacted).toEqual(expect.arrayContaining([encoded]));
    const apiKey = await call({ url: server.origin }, { type: 'apiKey', header: 'X-Api-Key', value: 'key_987' });
    expect(server.requests[1]?.headers['x-api-key']).toBe('key_987');
    expect(apiKey.redacted).toContain('key_987');
  });

  it('signs the raw body with HMAC, with the timestamp in the signed text when asked', async () => {
    const server = await startServer((_req, res) => json(res, 200, {}));
    const now = () => 1_700_000_000_500;
    await call(
      { method: 'POST', url: server.origin, body: { order: 7 } },
      { type: 'hmac', header: 'X-Signature', secret: 'whsec_abc', prefix: 'sha256=', timestampHeader: 'X-Timestamp' },
      now,
    );
    const received = server.requests[0];
    expect(received?.headers['x-timestamp']).toBe('1700000000');
    const expected = createHmac('sha256', 'whsec_abc').update(`1700000000.${received?.body}`).digest('hex');
    expect(received?.headers['x-signature']).toBe(`sha256=${expected}`);
    expect(received?.body).toBe('{"order":7}');
  });

  it('drops the credential on a redirect to another origin, keeps it on the same origin', async () => {
    const other = await startServer((_req, res) => json(res, 200, {}));
    const server = await startServer((req, res) =>
      req.url === '/here'
        ? redirect(res, 302, '/there')
        : req.url === '/there'
          ? redirect(res, 302, `${other.origin}/away`)
          : res.end(),
    );
    await call({ url: `${server.origin}/here` }, { type: 'bearer', token: 'tok_live_123' });
    expect(server.requests.map((request) => request.headers.authorization)).toEqual([
      'Bearer tok_live_123',
      'Bearer tok_live_123',
    ]);
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('fails for good on a connection that is no HTTP credential, naming the fields and never their values', async () => {
    const server = await startServer((_req, res) => json(res, 200, {}));
    const error = await runFailure({ url: server.origin }, { connection: { type: 'bearer', token: 'line\nbreak-secret' } });
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('connection.token');
    expect(error.message).not.toContain('break-secret');
    const unknown = await runFailure({ url: server.origin }, { connection: { kind: 'oauth', clientSecret: 'cs_secret_1' } });
    expect(unknown.message).toContain('connection.type');
    expect(unknown.message).not.toContain('cs_secret_1');
    expect(server.requests).toEqual([]);
  });
});

describe('credentialHeaders', () => {
  it('refuses a basic username with a colon, which the server would split elsewhere', () => {
    expect(() => credentialHeaders({ type: 'basic', username: 'a:b', password: 'secret' }, { body: undefined, now: 0 })).toThrow(
      /connection\.username/,
    );
  });

  it('signs an empty body as the empty string, base64 when asked', () => {
    const { headers, secrets } = credentialHeaders(
      { type: 'hmac', header: 'X-Sig', secret: 'k3y_value', algorithm: 'sha512', encoding: 'base64' },
      { body: undefined, now: 0 },
    );
    expect(headers).toEqual({ 'x-sig': createHmac('sha512', 'k3y_value').update('').digest('base64') });
    expect(secrets).toEqual(['k3y_value']);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, TEST_HOOK_SECRET, type TestApi } from '../../test/test-api';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ label: 'auth_failures', env: { AUTH_FAILURES_PER_MINUTE: '3' } });
});
afterAll(async () => {
  await api.close();
});

const hook = (secret: string, remoteAddress: string) =>
  api.app.inject({
    method: 'POST',
    url: '/hooks/hasura/events',
    headers: { 'x-conveyor-hook-secret': secret },
    payload: {},
    remoteAddress,
  });

describe('failed authentications are limited per address', () => {
  it('refuses an address that guessed the hook secret too often, even with the right one, and no other', async () => {
    for (let i = 0; i < 3; i += 1) expect((await hook(`guess-${i}-0123456789`, '10.1.1.1')).statusCode).toBe(401);
    const blocked = await hook(TEST_HOOK_SECRET, '10.1.1.1');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(blocked.headers['retry-after'])).toBe(blocked.json().error.details.retryAfterSeconds);
    expect((await hook(TEST_HOOK_SECRET, '10.1.1.2')).statusCode).toBe(400); // let through: the empty event is refused on its merits
  });

  it('counts forged bearer tokens, but not a missing one', async () => {
    const logs = (authorization: string | undefined, remoteAddress: string) =>
      api.app.inject({
        method: 'GET',
        url: '/v1/runs/3f1d2c4b-0000-4000-8000-00000000a001/logs',
        headers: authorization ? { authorization } : {},
        remoteAddress,
      });
    for (let i = 0; i < 5; i += 1) expect((await logs(undefined, '10.2.2.2')).statusCode).toBe(401);
    for (let i = 0; i < 3; i += 1) expect((await logs('Bearer forged.token.here', '10.2.2.2')).statusCode).toBe(401);
    expect((await logs('Bearer forged.token.here', '10.2.2.2')).statusCode).toBe(429);
  });
});

describe('behind a trusted proxy (API_TRUST_PROXY)', () => {
  let proxied: TestApi;
  beforeAll(async () => {
    proxied = await createTestApi({
      label: 'auth_failures_proxy',
      env: { AUTH_FAILURES_PER_MINUTE: '3', API_TRUST_PROXY: '10.9.9.9, 10.8.0.0/16' },
    });
  });
  afterAll(async () => {
    await proxied.close();
  });
  const forged = (remoteAddress: string, forwardedFor: string) =>
    proxied.app.inject({
      method: 'GET',
      url: '/v1/runs',
      headers: { authorization: 'Bearer forged.token.here', 'x-forwarded-for': forwardedFor },
      remoteAddress,
    });

  it('counts each client the proxy relays on its own, so one guesser does not lock out the others', async () => {
    for (let i = 0; i < 3; i += 1) expect((await forged('10.9.9.9', '192.0.2.1')).statusCode).toBe(401);
    expect((await forged('10.9.9.9', '192.0.2.1')).statusCode).toBe(429);
    expect((await forged('10.8.1.2', '192.0.2.2')).statusCode).toBe(401);
  });

  it('does not believe X-Forwarded-For from anyone else', async () => {
    for (let i = 0; i < 3; i += 1) expect((await forged('10.7.7.7', `192.0.2.${10 + i}`)).statusCode).toBe(401);
    expect((await forged('10.7.7.7', '192.0.2.99')).statusCode).toBe(429);
  });
});

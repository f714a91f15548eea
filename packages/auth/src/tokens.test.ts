import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { HASURA_CLAIMS, mintToken, verifyToken } from './index';

const settings = {
  jwtSecret: 'a-test-secret-of-at-least-32-characters',
  issuer: 'conveyor',
  audience: 'conveyor-api',
  maxAgeSeconds: 86_400,
};
const caller = { tenantId: '3f1d2c4b-0000-4000-8000-00000000a001', userId: 'c0ffee00-2222-4000-8000-00000000c003' };

describe('tokens', () => {
  it('mints a token with Hasura’s claims that verifies back to the caller and its expiry', async () => {
    const before = Math.floor(Date.now() / 1_000);
    const token = await mintToken(caller, settings, 600);
    const verified = await verifyToken(token, settings);
    expect(verified).toEqual({ kind: 'user', ...caller, role: 'user', expiresAt: expect.any(Date) });
    const exp = (verified?.expiresAt.getTime() ?? 0) / 1_000;
    expect(exp).toBeGreaterThanOrEqual(before + 600);
    expect(exp).toBeLessThanOrEqual(Math.floor(Date.now() / 1_000) + 600);
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    expect(payload[HASURA_CLAIMS]).toMatchObject({
      'x-hasura-allowed-roles': ['user', 'tenant_admin'],
      'x-hasura-tenant-id': caller.tenantId,
    });
  });

  it('refuses another key, issuer or audience, an expired token and missing claims', async () => {
    const token = await mintToken(caller, settings);
    expect(await verifyToken(token, { ...settings, jwtSecret: 'another-secret-of-at-least-32-characters' })).toBeNull();
    expect(await verifyToken(token, { ...settings, issuer: 'someone' })).toBeNull();
    expect(await verifyToken(token, { ...settings, audience: 'other' })).toBeNull();
    expect(await verifyToken(await mintToken(caller, settings, -10), settings)).toBeNull();
    const bare = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(settings.jwtSecret));
    expect(await verifyToken(bare, settings)).toBeNull();
    expect(await verifyToken('not.a.token', settings)).toBeNull();
  });

  /** A token with the right claims, signed with the right key, and `shape` applied to its times. */
  const signed = (shape: (jwt: SignJWT) => SignJWT) =>
    shape(
      new SignJWT({
        [HASURA_CLAIMS]: {
          'x-hasura-allowed-roles': ['user'],
          'x-hasura-default-role': 'user',
          'x-hasura-user-id': caller.userId,
          'x-hasura-tenant-id': caller.tenantId,
        },
      })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(settings.issuer)
        .setAudience(settings.audience),
    ).sign(new TextEncoder().encode(settings.jwtSecret));

  it('requires exp and iat, and refuses a token meant to live longer than the maximum age', async () => {
    const now = Math.floor(Date.now() / 1_000);
    expect(await verifyToken(await signed((jwt) => jwt.setIssuedAt(now).setExpirationTime(now + 600)), settings)).not.toBeNull();
    expect(await verifyToken(await signed((jwt) => jwt.setIssuedAt(now)), settings)).toBeNull(); // no exp: never expires
    expect(await verifyToken(await signed((jwt) => jwt.setExpirationTime(now + 600)), settings)).toBeNull(); // no iat
    const tenYears = await signed((jwt) => jwt.setIssuedAt(now).setExpirationTime(now + 10 * 365 * 86_400));
    expect(await verifyToken(tenYears, settings)).toBeNull();
    const old = await signed((jwt) => jwt.setIssuedAt(now - 2 * 86_400).setExpirationTime(now + 600));
    expect(await verifyToken(old, settings)).toBeNull();
  });

  it('will not mint a token longer-lived than the maximum age', async () => {
    await expect(mintToken(caller, settings, settings.maxAgeSeconds + 1)).rejects.toThrow(/at most 86400 s/);
  });
});

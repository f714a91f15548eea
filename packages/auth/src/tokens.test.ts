import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { HASURA_CLAIMS, mintToken, verifyToken } from './index';

const settings = { jwtSecret: 'a-test-secret-of-at-least-32-characters', issuer: 'conveyor', audience: 'conveyor-api' };
const caller = { tenantId: '3f1d2c4b-0000-4000-8000-00000000a001', userId: 'c0ffee00-2222-4000-8000-00000000c003' };

describe('tokens', () => {
  it('mints a token with Hasura’s claims that verifies back to the caller', async () => {
    const token = await mintToken(caller, settings);
    expect(await verifyToken(token, settings)).toEqual({ ...caller, role: 'user' });
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
});

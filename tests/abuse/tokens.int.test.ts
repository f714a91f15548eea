/**
 * Abuse suite: forged, altered and overlong bearer tokens against the app-facing routes. Every one
 * must be refused (401/403) and read nothing; only a token as the api mints it reads the logs.
 */
import { HASURA_CLAIMS } from '@conveyor/auth';
import { loadApiConfig } from '@conveyor/config';
import { insertRun, seedWorkflow, type TenantFixture } from '@conveyor/testing';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../apps/api/test/test-api';

const settings = loadApiConfig({}).auth; // the test api runs with the development defaults
const key = new TextEncoder().encode(settings.jwtSecret);
const now = () => Math.floor(Date.now() / 1_000);

let api: TestApi;
let member: TenantFixture & { runId: string };
let outsider: TenantFixture;

beforeAll(async () => {
  api = await createTestApi({ label: 'abuse_tokens', env: { AUTH_FAILURES_PER_MINUTE: '1000' } });
  const fixture = await seedWorkflow(api.db.prisma, {
    steps: [{ key: 'a', action: { app: 'core', version: '1', key: 'noop' } }],
  });
  member = { ...fixture, runId: await insertRun(api.db.prisma, fixture) };
  outsider = await seedWorkflow(api.db.prisma, { steps: [{ key: 'a', action: { app: 'core', version: '1', key: 'noop' } }] });
});
afterAll(async () => {
  await api.close();
});

const claims = (caller: TenantFixture) => ({
  [HASURA_CLAIMS]: {
    'x-hasura-allowed-roles': ['user'],
    'x-hasura-default-role': 'user',
    'x-hasura-user-id': caller.userId,
    'x-hasura-tenant-id': caller.tenantId,
  },
});
/** A token as the api would mint it for `caller`, then `shape` applied. */
const token = (caller: TenantFixture, shape: (jwt: SignJWT) => SignJWT = (jwt) => jwt, alg = 'HS256', secret = key) =>
  shape(
    new SignJWT(claims(caller))
      .setProtectedHeader({ alg })
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .setIssuedAt(now())
      .setExpirationTime(now() + 600),
  ).sign(secret);

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

const forgeries: [string, () => Promise<string>][] = [
  [
    'alg "none", unsigned',
    async () =>
      `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...claims(member), iss: settings.issuer, aud: settings.audience, iat: now(), exp: now() + 600 })}.`,
  ],
  ['HS512 with the right key', () => token(member, (jwt) => jwt, 'HS512')],
  [
    'signed with another key',
    () => token(member, (jwt) => jwt, 'HS256', new TextEncoder().encode('another-key-of-at-least-32-characters!')),
  ],
  ['another issuer', () => token(member, (jwt) => jwt.setIssuer('someone-else'))],
  ['another audience', () => token(member, (jwt) => jwt.setAudience('another-api'))],
  ['expired', () => token(member, (jwt) => jwt.setIssuedAt(now() - 700).setExpirationTime(now() - 100))],
  [
    'no exp (never expires)',
    async () => {
      const payload = { ...claims(member), iss: settings.issuer, aud: settings.audience, iat: now() };
      return new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(key);
    },
  ],
  ['valid for ten years', () => token(member, (jwt) => jwt.setExpirationTime(now() + 10 * 365 * 86_400))],
  ['issued two days ago', () => token(member, (jwt) => jwt.setIssuedAt(now() - 2 * 86_400))],
  [
    'payload altered to another tenant, signature kept',
    async () => {
      const [header, , signature] = (await token(outsider)).split('.');
      return `${header}.${base64url({ ...claims(member), iss: settings.issuer, aud: settings.audience, iat: now(), exp: now() + 600 })}.${signature}`;
    },
  ],
  ["a real token of a user who is not a member of the token's tenant", () => token({ ...member, userId: outsider.userId })],
  ['not a JWT at all', async () => 'definitely-not-a-token'],
];

const readLogs = async (bearer: string) =>
  api.app.inject({ url: `/v1/runs/${member.runId}/logs`, headers: { authorization: `Bearer ${bearer}` } });

describe('bearer tokens', () => {
  it('a token as the api mints it reads the logs (the control)', async () => {
    expect((await readLogs(await token(member))).statusCode).toBe(200);
  });

  it.each(forgeries)('%s: refused, nothing read', async (_name, forge) => {
    const reply = await readLogs(await forge());
    expect([401, 403]).toContain(reply.statusCode);
    expect(reply.json()).not.toHaveProperty('lines');
  });
});

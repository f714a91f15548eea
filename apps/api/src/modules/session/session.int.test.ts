import { mintToken, verifyToken } from '@conveyor/auth';
import { loadApiConfig } from '@conveyor/config';
import { insertRun, seedWorkflow, type TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../../test/test-api';

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };
const jwt = loadApiConfig({}).auth;

let api: TestApi;
/** Alice: ADMIN of tenant A (named "zeta …") and MEMBER of tenant B (named "alpha …"). */
let a: TenantFixture;
let b: TenantFixture;
let bRunId: string;

beforeAll(async () => {
  api = await createTestApi({ label: 'session_api' });
  a = await seedWorkflow(api.db.prisma, definition);
  b = await seedWorkflow(api.db.prisma, definition);
  await api.db.prisma.tenant.update({ where: { id: a.tenantId }, data: { name: `zeta ${a.tenantId}` } });
  await api.db.prisma.tenant.update({ where: { id: b.tenantId }, data: { name: `alpha ${b.tenantId}` } });
  await api.db.prisma.membership.create({ data: { tenantId: b.tenantId, userId: a.userId, role: 'MEMBER' } });
  bRunId = await insertRun(api.db.prisma, b);
});
afterAll(async () => {
  await api.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const getSession = (headers: Record<string, string>) => api.app.inject({ method: 'GET', url: '/v1/session', headers });
const switchTenant = (headers: Record<string, string>, payload: unknown) =>
  api.app.inject({ method: 'POST', url: '/v1/session/tenant', headers, payload: payload as object });
const expOf = async (token: string) => (await verifyToken(token, jwt))?.expiresAt.getTime() ?? Number.NaN;

describe('GET /v1/session', () => {
  it('names the caller, their role in the token’s tenant and each of their memberships, by tenant name', async () => {
    const response = await getSession(bearer(await api.tokenFor(a)));

    expect(response.statusCode).toBe(200);
    const tenant = await api.db.prisma.tenant.findUniqueOrThrow({ where: { id: b.tenantId } });
    expect(response.json()).toEqual({
      userId: a.userId,
      email: (await api.db.prisma.user.findUniqueOrThrow({ where: { id: a.userId } })).email,
      tenantId: a.tenantId,
      role: 'ADMIN',
      tenantName: `zeta ${a.tenantId}`,
      memberships: [
        { tenantId: b.tenantId, name: tenant.name, slug: tenant.slug, role: 'MEMBER' },
        { tenantId: a.tenantId, name: `zeta ${a.tenantId}`, slug: expect.any(String), role: 'ADMIN' },
      ],
    });
  });

  it('never shows a user a tenant they are not a member of', async () => {
    const body = (await getSession(bearer(await api.tokenFor(b)))).json();

    expect(body).toMatchObject({ userId: b.userId, tenantId: b.tenantId, role: 'ADMIN' });
    expect(body.memberships.map((membership: { tenantId: string }) => membership.tenantId)).toEqual([b.tenantId]);
  });

  it('refuses an API key with 403, and a missing or bad token with 401', async () => {
    const { key } = await api.apiKeyFor(a, ['runs:read', 'events:send']);
    const byKey = await getSession(bearer(key));
    expect(byKey.statusCode).toBe(403);
    expect(byKey.json().error.code).toBe('FORBIDDEN');
    expect((await getSession({ 'x-api-key': key })).statusCode).toBe(403);
    expect((await getSession({})).statusCode).toBe(401);
    expect((await getSession(bearer('not.a.token'))).statusCode).toBe(401);
  });
});

describe('POST /v1/session/tenant', () => {
  it('gives a member a token for their other tenant that reads its runs and expires no later than the one presented', async () => {
    const presented = await mintToken(a, jwt, 600);

    const response = await switchTenant(bearer(presented), { tenantId: b.tenantId });

    expect(response.statusCode).toBe(200);
    const { token, tenantId, expiresAt } = response.json();
    expect(tenantId).toBe(b.tenantId);
    expect(await verifyToken(token, jwt)).toMatchObject({ tenantId: b.tenantId, userId: a.userId });
    expect(Date.parse(expiresAt)).toBe(await expOf(token));
    expect(await expOf(token)).toBeLessThanOrEqual(await expOf(presented));
    expect(await expOf(token)).toBeGreaterThan(Date.now() + 590_000);
    const runs = await api.app.inject({ method: 'GET', url: '/v1/runs', headers: bearer(token) });
    expect(runs.statusCode).toBe(200);
    expect(runs.json().runs.map((run: { id: string }) => run.id)).toEqual([bRunId]);
    expect((await getSession(bearer(token))).json()).toMatchObject({ tenantId: b.tenantId, role: 'MEMBER' });
  });

  it('refuses a tenant the caller is not a member of, existing or not, with the same 403 naming body.tenantId', async () => {
    for (const tenantId of [a.tenantId, crypto.randomUUID()]) {
      const response = await switchTenant(bearer(await api.tokenFor(b)), { tenantId });
      expect(response.statusCode).toBe(403);
      expect(response.json().error).toEqual({
        code: 'FORBIDDEN',
        message: 'body.tenantId: the caller is not a member of this tenant',
        details: { field: 'body.tenantId' },
      });
    }
  });

  it('does not exchange a token with under 30 s left (401)', async () => {
    const response = await switchTenant(bearer(await mintToken(a, jwt, 20)), { tenantId: b.tenantId });

    expect(response.statusCode).toBe(401);
    expect(response.json().error.message).toContain('under 30 s');
  });

  it('answers 400 naming body.tenantId for a bad body, 403 to an API key and 401 without a token', async () => {
    const token = await api.tokenFor(a);
    for (const payload of [{}, { tenantId: 'tenant-b' }, { tenantId: b.tenantId, extra: 1 }]) {
      const response = await switchTenant(bearer(token), payload);
      expect(response.statusCode).toBe(400);
      expect(response.json().error.message).toMatch(/^body(\.tenantId)?: /);
    }
    expect((await switchTenant(bearer(token), { tenantId: 'x' })).json().error.details.issues[0].field).toBe('body.tenantId');
    const { key } = await api.apiKeyFor(a, ['runs:read']);
    expect((await switchTenant(bearer(key), { tenantId: b.tenantId })).statusCode).toBe(403);
    expect((await switchTenant({}, { tenantId: b.tenantId })).statusCode).toBe(401);
  });
});

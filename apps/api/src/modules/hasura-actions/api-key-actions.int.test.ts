import { randomUUID } from 'node:crypto';
import { sha256Hex } from '@conveyor/secrets';
import { seedWorkflow, type TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../../test/test-api';

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };

let api: TestApi;
let admin: TenantFixture;
let other: TenantFixture;
let member: string;
beforeAll(async () => {
  api = await createTestApi({ label: 'api_key_actions', queuePrefix: `conveyor-test-api-key-actions-${randomUUID()}` });
  admin = await seedWorkflow(api.db.prisma, definition);
  other = await seedWorkflow(api.db.prisma, definition);
  const user = await api.db.prisma.user.create({ data: { email: `member-${randomUUID()}@x.test` } });
  await api.db.prisma.membership.create({ data: { tenantId: admin.tenantId, userId: user.id, role: 'MEMBER' } });
  member = user.id;
});
afterAll(async () => {
  await api.close();
});

const call = (path: string, input: object, caller: { tenantId: string; userId: string } = admin) =>
  api.callAction(path, input, caller);
const create = (input: object, caller?: { tenantId: string; userId: string }) => call('create-api-key', input, caller);

describe('createApiKey', () => {
  it('mints the key on the server, answers it once and stores only its SHA-256, its prefix and scopes', async () => {
    const before = Date.now();
    const response = await create({
      name: ' deploy bot ',
      scopes: ['events:send', 'runs:read', 'events:send'],
      expiresInDays: 30,
    });
    expect(response.statusCode).toBe(200);
    const { id, key, prefix, scopes, expiresAt } = response.json();
    expect(key).toMatch(/^cvk_[A-Za-z0-9_-]{43}$/);
    expect(prefix).toBe(key.slice(4, 12));
    expect(scopes).toEqual(['events:send', 'runs:read']);
    const row = await api.db.prisma.apiKey.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({
      tenantId: admin.tenantId,
      name: 'deploy bot',
      prefix,
      scopes: ['events:send', 'runs:read'],
      createdById: admin.userId,
      secretHash: sha256Hex(key),
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(row.expiresAt?.toISOString()).toBe(expiresAt);
    expect(row.expiresAt?.getTime()).toBeGreaterThanOrEqual(before + 30 * 86_400_000);
    // The key itself is in no column of the row.
    expect(Object.values(row).some((value) => String(value).includes(key.slice(4)))).toBe(false);

    const again = (await create({ name: 'deploy bot', scopes: ['runs:read'] })).json();
    expect(again.key).not.toBe(key);
    expect(again.expiresAt).toBeNull();
  });

  it('refuses a member who is not an admin (403) and creates nothing', async () => {
    const response = await create({ name: 'sneaky', scopes: ['runs:read'] }, { tenantId: admin.tenantId, userId: member });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(await api.db.prisma.apiKey.count({ where: { name: 'sneaky' } })).toBe(0);
  });

  it.each([
    ['an unknown scope', { name: 'k', scopes: ['runs:write'] }, 'input.scopes'],
    ['no scope', { name: 'k', scopes: [] }, 'input.scopes'],
    ['an empty name', { name: '   ', scopes: ['runs:read'] }, 'input.name'],
    ['a name too long', { name: 'n'.repeat(101), scopes: ['runs:read'] }, 'input.name'],
    ['too many days', { name: 'k', scopes: ['runs:read'], expiresInDays: 366 }, 'input.expiresInDays'],
    ['no days', { name: 'k', scopes: ['runs:read'], expiresInDays: 0 }, 'input.expiresInDays'],
  ])('answers 400 naming the field for %s', async (_, input, field) => {
    const response = await create(input);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain(field);
    expect(await api.db.prisma.apiKey.count({ where: { tenantId: admin.tenantId, name: 'k' } })).toBe(0);
  });
});

describe('revokeApiKey', () => {
  it('revokes the key at once, and again is a no-op that keeps the first revocation time', async () => {
    const { id } = (await create({ name: 'to revoke', scopes: ['runs:read'] })).json();
    const first = await call('revoke-api-key', { id });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ ok: true, id });
    const row = await api.db.prisma.apiKey.findUniqueOrThrow({ where: { id } });
    expect(row.revokedAt?.toISOString()).toBe(first.json().revokedAt);
    const second = await call('revoke-api-key', { id });
    expect(second.statusCode).toBe(200);
    expect(second.json().revokedAt).toBe(first.json().revokedAt);
  });

  it('answers another tenant’s key as no key at all (404 naming the field) and leaves it alone; members may not revoke', async () => {
    const { id } = (await create({ name: 'theirs', scopes: ['runs:read'] }, other)).json();
    const foreign = await call('revoke-api-key', { id });
    const unknown = await call('revoke-api-key', { id: randomUUID() });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toEqual({ ...unknown.json(), message: unknown.json().message.replace(/[0-9a-f-]{36}/, id) });
    expect(foreign.json()).toMatchObject({ extensions: { code: 'NOT_FOUND', field: 'input.id' } });
    const mine = (await create({ name: 'mine', scopes: ['runs:read'] })).json();
    expect((await call('revoke-api-key', { id: mine.id }, { tenantId: admin.tenantId, userId: member })).statusCode).toBe(403);
    const rows = await api.db.prisma.apiKey.findMany({ where: { id: { in: [id, mine.id] } } });
    expect(rows.map((row) => row.revokedAt)).toEqual([null, null]);
  });
});

import { randomUUID } from 'node:crypto';
import { loadApiConfig } from '@conveyor/config';
import { createBatchingWriter } from '@conveyor/logs';
import { createLogger } from '@conveyor/observability';
import { insertRun, seedWorkflow, type TenantFixture } from '@conveyor/testing';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../../test/test-api';
import { errorHandler } from '../../plugins/error-handler';
import { failureLimiterPlugin } from '../../plugins/failure-limiter';
import { authenticate, callerOf } from './authenticate';

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };
const FAILURES_PER_MINUTE = 4;

type Tenant = TenantFixture & { runId: string; finishedRunId: string };
let api: TestApi;
let a: Tenant;
let b: Tenant;

async function tenant(): Promise<Tenant> {
  const fixture = await seedWorkflow(api.db.prisma, definition);
  const runId = await insertRun(api.db.prisma, fixture);
  const finishedRunId = await insertRun(api.db.prisma, fixture);
  await api.db.prisma.workflowRun.update({
    where: { id: finishedRunId },
    data: { status: 'SUCCEEDED', workflowVersionId: fixture.versionId, finishedAt: new Date(Date.now() - 60_000) },
  });
  return { ...fixture, runId, finishedRunId };
}

beforeAll(async () => {
  api = await createTestApi({ label: 'api_keys', env: { AUTH_FAILURES_PER_MINUTE: String(FAILURES_PER_MINUTE) } });
  a = await tenant();
  b = await tenant();
  const writer = createBatchingWriter({ store: api.logStore, log: createLogger({ service: 'test', level: 'silent' }) });
  for (const t of [a, b]) {
    writer.write({
      tenantId: t.tenantId,
      workflowRunId: t.runId,
      level: 'INFO',
      message: `a line of ${t.tenantId}`,
      timestamp: new Date(),
    });
  }
  await writer.close();
});
afterAll(async () => {
  await api.close();
});

/** Each request from an address of its own unless one is given, so refusals elsewhere never add up to the limit. */
const get = (url: string, headers: Record<string, string> = {}, remoteAddress = `10.9.${rand()}.${rand()}`) =>
  api.app.inject({ method: 'GET', url, headers, remoteAddress });
const rand = () => Math.floor(Math.random() * 250) + 1;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const logsOf = (t: Tenant) => `/v1/runs/${t.runId}/logs`;

describe('API keys on the log routes (scope runs:read)', () => {
  it('a key with runs:read reads its tenant’s run logs, as Authorization: Bearer or as x-api-key, like a member', async () => {
    const { key } = await api.apiKeyFor(a, ['runs:read']);
    const byMember = await get(logsOf(a), bearer(await api.tokenFor(a)));
    const byBearer = await get(logsOf(a), bearer(key));
    const byHeader = await get(logsOf(a), { 'x-api-key': key });
    expect(byBearer.statusCode).toBe(200);
    expect(byHeader.statusCode).toBe(200);
    expect(byBearer.json().lines.map((line: { message: string }) => line.message)).toEqual([`a line of ${a.tenantId}`]);
    expect(byHeader.json()).toEqual(byMember.json());
  });

  it('refuses a key without runs:read (403) and reads nothing', async () => {
    const { key } = await api.apiKeyFor(a, ['events:send']);
    for (const headers of [bearer(key), { 'x-api-key': key }]) {
      const response = await get(logsOf(a), headers);
      expect(response.statusCode).toBe(403);
      expect(response.json().error).toMatchObject({ code: 'FORBIDDEN', message: 'the API key lacks the scope runs:read' });
    }
  });

  it('refuses a revoked key and an expired key (401), at once', async () => {
    const revoked = await api.apiKeyFor(a, ['runs:read']);
    expect((await get(logsOf(a), bearer(revoked.key))).statusCode).toBe(200);
    await revoke(a, revoked.id);
    const afterRevoke = await get(logsOf(a), bearer(revoked.key));
    expect(afterRevoke.statusCode).toBe(401);
    expect(afterRevoke.json().error.message).toBe('the API key was revoked');

    const expiring = await api.apiKeyFor(a, ['runs:read'], 1);
    expect((await get(logsOf(a), { 'x-api-key': expiring.key })).statusCode).toBe(200);
    await api.db.prisma.apiKey.update({ where: { id: expiring.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    const expired = await get(logsOf(a), { 'x-api-key': expiring.key });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.message).toBe('the API key expired');
  });

  it('refuses unknown and malformed keys (401), and a request that sends both a token and a key', async () => {
    const { key } = await api.apiKeyFor(a, ['runs:read']);
    const unknown = `cvk_${Buffer.alloc(32, 7).toString('base64url')}`;
    for (const wrong of [unknown, `${key}x`, key.slice(0, -1), 'cvk_', `cvk_${'a'.repeat(5000)}`]) {
      for (const headers of [bearer(wrong), { 'x-api-key': wrong }]) {
        const response = await get(logsOf(a), headers);
        expect(response.statusCode, wrong.slice(0, 20)).toBe(401);
        expect(response.json().error.message).toBe('the API key is not valid');
      }
    }
    const both = await get(logsOf(a), { ...bearer(await api.tokenFor(a)), 'x-api-key': key });
    expect(both.statusCode).toBe(401);
  });

  it('another tenant’s key never reads this tenant’s runs (404, as for a run that does not exist)', async () => {
    const { key } = await api.apiKeyFor(b, ['runs:read']);
    expect((await get(logsOf(b), bearer(key))).statusCode).toBe(200);
    const crossed = await get(logsOf(a), bearer(key));
    const unknown = await get(`/v1/runs/${randomUUID()}/logs`, bearer(key));
    expect(crossed.statusCode).toBe(404);
    expect(unknown.statusCode).toBe(404);
    expect((await get(`/v1/runs/${a.finishedRunId}/logs/stream`, bearer(key))).statusCode).toBe(404);
  });

  it('a key cannot call Hasura’s actions: another tenant’s key does not revoke this tenant’s key', async () => {
    const mine = await api.apiKeyFor(a, ['runs:read']);
    const theirs = await api.apiKeyFor(b, ['runs:read', 'events:send']);
    for (const headers of [bearer(theirs.key), { 'x-api-key': theirs.key }]) {
      const response = await api.app.inject({
        method: 'POST',
        url: '/hooks/hasura/actions/revoke-api-key',
        headers,
        remoteAddress: '10.66.0.1',
        payload: {
          action: { name: 'revokeApiKey' },
          input: { id: mine.id },
          session_variables: { 'x-hasura-role': 'tenant_admin' },
        },
      });
      expect(response.statusCode).toBe(401);
    }
    expect((await api.db.prisma.apiKey.findUniqueOrThrow({ where: { id: mine.id } })).revokedAt).toBeNull();
    expect((await get(logsOf(a), bearer(mine.key))).statusCode).toBe(200);
  });

  it('the live tail takes a key with runs:read (the run’s end) and refuses one without it', async () => {
    const reader = await api.apiKeyFor(a, ['runs:read']);
    const sender = await api.apiKeyFor(a, ['events:send']);
    const tail = await get(`/v1/runs/${a.finishedRunId}/logs/stream`, { 'x-api-key': reader.key });
    expect(tail.statusCode).toBe(200);
    expect(tail.body).toContain('event: end');
    expect(tail.body).toContain('SUCCEEDED');
    expect((await get(`/v1/runs/${a.finishedRunId}/logs/stream`, bearer(sender.key))).statusCode).toBe(403);
  });
});

describe('what a key in use records', () => {
  it('writes lastUsedAt on first use, then at most once a minute', async () => {
    const { id, key } = await api.apiKeyFor(a, ['runs:read']);
    const lastUsedAt = async () => (await api.db.prisma.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt;
    expect(await lastUsedAt()).toBeNull();
    expect((await get(logsOf(a), bearer(key))).statusCode).toBe(200);
    const first = await lastUsedAt();
    expect(first).not.toBeNull();
    for (let i = 0; i < 3; i += 1) expect((await get(logsOf(a), bearer(key))).statusCode).toBe(200);
    expect(await lastUsedAt()).toEqual(first);

    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await api.db.prisma.apiKey.update({ where: { id }, data: { lastUsedAt: twoMinutesAgo } });
    expect((await get(logsOf(a), bearer(key))).statusCode).toBe(200);
    expect((await lastUsedAt())?.getTime()).toBeGreaterThan(Date.now() - 10_000);
  });
});

describe('failed key authentications are limited per address', () => {
  it('counts unknown, revoked, expired and under-scoped keys like bad tokens: then even a good key gets 429', async () => {
    const good = await api.apiKeyFor(a, ['runs:read']);
    const revoked = await api.apiKeyFor(a, ['runs:read']);
    await revoke(a, revoked.id);
    const expired = await api.apiKeyFor(a, ['runs:read'], 1);
    await api.db.prisma.apiKey.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    const unscoped = await api.apiKeyFor(a, ['events:send']);
    const address = '10.77.0.1';
    const bad = [`cvk_${Buffer.alloc(32, 1).toString('base64url')}`, revoked.key, expired.key, unscoped.key];
    expect(bad).toHaveLength(FAILURES_PER_MINUTE);
    for (const key of bad) expect([401, 403]).toContain((await get(logsOf(a), { 'x-api-key': key }, address)).statusCode);
    const blocked = await get(logsOf(a), { 'x-api-key': good.key }, address);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('RATE_LIMITED');
    expect((await get(logsOf(a), { 'x-api-key': good.key }, '10.77.0.2')).statusCode).toBe(200);
  });
});

describe('a route that names no scope', () => {
  it('takes a member’s token and refuses every API key (403, counted)', async () => {
    const config = loadApiConfig({});
    const app = Fastify();
    await app.register(errorHandler);
    await app.register(failureLimiterPlugin, { maxFailures: 1, windowMs: 60_000 });
    app.get('/members-only', { preHandler: authenticate({ prisma: api.db.prisma, jwt: config.auth }) }, async (request) => ({
      kind: callerOf(request).kind,
    }));
    try {
      const { key } = await api.apiKeyFor(a, ['runs:read', 'events:send']);
      const member = await app.inject({ method: 'GET', url: '/members-only', headers: bearer(await api.tokenFor(a)) });
      expect(member.json()).toEqual({ kind: 'user' });
      const refused = await app.inject({ method: 'GET', url: '/members-only', headers: bearer(key) });
      expect(refused.statusCode).toBe(403);
      expect((await app.inject({ method: 'GET', url: '/members-only', headers: bearer(key) })).statusCode).toBe(429);
    } finally {
      await app.close();
    }
  });
});

async function revoke(admin: TenantFixture, id: string): Promise<void> {
  expect((await api.callAction('revoke-api-key', { id }, admin)).statusCode).toBe(200);
}

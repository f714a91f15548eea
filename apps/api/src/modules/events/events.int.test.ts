import type { TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, seedWaitingStep, TEST_HOOK_SECRET, type TestApi } from '../../../test/test-api';

const definition = {
  steps: [
    { key: 'wait', action: { app: 'core', version: '1', key: 'waitForEvent' }, input: { event: 'paid', key: '{{ input.id }}' } },
  ],
};

let api: TestApi;
let a: TenantFixture & { token: string };
let b: TenantFixture & { token: string };

/** A run of `fixture` whose wait step waits for `paid` of `key`, as a worker leaves it. */
const waitingRun = (fixture: TenantFixture, key: string) =>
  seedWaitingStep(api, fixture, { stepKey: 'wait', event: 'paid', key });

beforeAll(async () => {
  api = await createTestApi({ label: 'events' });
  a = await api.seedTenant(definition);
  b = await api.seedTenant(definition);
});
afterAll(async () => {
  await api.close();
});

const send = (body: unknown, token?: string) =>
  api.app.inject({
    method: 'POST',
    url: '/v1/events',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    payload: body as Record<string, unknown>,
  });

describe('POST /v1/events', () => {
  it('delivers an event to the tenant’s step waiting for it, making it due now', async () => {
    const { runId, stepRunId } = await waitingRun(a, 'inv-1');
    const response = await send({ event: 'paid', key: 'inv-1', payload: { amount: 12 } }, a.token);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true, delivered: true, stepRunId, runId });
    const wait = await api.db.prisma.stepWait.findUniqueOrThrow({ where: { stepRunId } });
    expect(wait.payload).toEqual({ amount: 12 });
    expect(wait.receivedAt).not.toBeNull();
    const step = await api.db.prisma.stepRun.findUniqueOrThrow({ where: { id: stepRunId } });
    expect(step.resumeAt?.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('keeps an event no step waits for, within the sender’s tenant only', async () => {
    const { stepRunId } = await waitingRun(a, 'inv-2');
    const response = await send({ event: 'paid', key: 'inv-2', payload: { by: 'b' }, ttlMs: 60_000 }, b.token);
    expect(response.json()).toMatchObject({ ok: true, delivered: false, expiresAt: expect.any(String) });
    expect((await api.db.prisma.stepWait.findUniqueOrThrow({ where: { stepRunId } })).receivedAt).toBeNull();
    expect(await api.db.prisma.workflowEvent.count({ where: { tenantId: b.tenantId, key: 'inv-2' } })).toBe(1);
    expect(await api.db.prisma.workflowEvent.count({ where: { tenantId: a.tenantId } })).toBe(0);
  });

  it('takes a machine client’s API key with events:send, and refuses one without it', async () => {
    const { runId } = await waitingRun(a, 'inv-key');
    const sender = await api.apiKeyFor(a, ['events:send']);
    const reader = await api.apiKeyFor(a, ['runs:read']);
    const body = { event: 'paid', key: 'inv-key', payload: { by: 'machine' } };
    const refused = await api.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'x-api-key': reader.key },
      payload: body,
    });
    expect(refused.statusCode).toBe(403);
    const sent = await api.app.inject({ method: 'POST', url: '/v1/events', headers: { 'x-api-key': sender.key }, payload: body });
    expect(sent.statusCode).toBe(200);
    expect(sent.json()).toMatchObject({ delivered: true, runId });
  });

  it('answers 400 naming the field for a bad event, and 401 without a token', async () => {
    const noKey = await send({ event: 'paid' }, a.token);
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().error.message).toContain('body.key');
    const big = await send({ event: 'paid', key: 'k', payload: { blob: 'x'.repeat(70_000) } }, a.token);
    expect(big.statusCode).toBe(400);
    expect(big.json().error.message).toContain('body.payload');
    const ttl = await send({ event: 'paid', key: 'k', ttlMs: 30 * 24 * 3_600_000 }, a.token);
    expect(ttl.json().error.message).toContain('body.ttlMs');
    expect((await send({ event: 'paid', key: 'k' })).statusCode).toBe(401);
  });
});

describe('the sendWorkflowEvent action', () => {
  it('delivers for the session’s tenant, as the REST route does', async () => {
    const { runId } = await waitingRun(a, 'inv-3');
    const response = await api.app.inject({
      method: 'POST',
      url: '/hooks/hasura/actions/send-workflow-event',
      headers: { 'x-conveyor-hook-secret': TEST_HOOK_SECRET },
      payload: {
        action: { name: 'sendWorkflowEvent' },
        input: { event: 'paid', key: 'inv-3', payload: { ok: 1 } },
        session_variables: { 'x-hasura-role': 'user', 'x-hasura-user-id': a.userId, 'x-hasura-tenant-id': a.tenantId },
      },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ ok: true, delivered: true, runId });
  });
});

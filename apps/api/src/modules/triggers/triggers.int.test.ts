import { createHash } from 'node:crypto';
import { createTestRedis, seedWebhookTrigger, seedWorkflow, type TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../../test/test-api';

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ label: 'triggers' });
});
afterAll(async () => {
  await api.close();
  const redis = await createTestRedis('triggers-cleanup');
  const keys = await redis.redis.keys(`${api.queuePrefix}*`);
  if (keys.length) await redis.redis.del(...keys);
  await redis.cleanup();
});

/** A fresh tenant with an active workflow and a webhook trigger, so row counts are per test. */
async function seedTrigger(options: { workflowActive?: boolean; triggerActive?: boolean } = {}) {
  const tenant = await seedWorkflow(api.db.prisma, definition, { isActive: options.workflowActive ?? true });
  const trigger = await seedWebhookTrigger(api.db.prisma, tenant, options.triggerActive ?? true);
  return { tenant, ...trigger };
}

const fire = (triggerId: string, payload: unknown, headers: Record<string, string> = {}) =>
  api.app.inject({
    method: 'POST',
    url: `/hooks/triggers/${triggerId}`,
    headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
const secretHeader = (secret: string) => ({ 'x-conveyor-trigger-secret': secret });
const runsOf = (tenant: TenantFixture) =>
  api.db.prisma.workflowRun.findMany({ where: { tenantId: tenant.tenantId }, orderBy: { createdAt: 'asc' } });
const runJobOf = (runId: string) => api.queues.runs.getJob(`run-${runId}`);

describe('POST /hooks/triggers/:triggerId', () => {
  it('creates a QUEUED run with the body as input, the trigger id and the pinned version, and adds its run job', async () => {
    const { tenant, triggerId, secret } = await seedTrigger();
    const body = { orderId: 42, items: [{ sku: 'a-1', qty: 2 }], note: null };
    const response = await fire(triggerId, body, secretHeader(secret));

    expect(response.statusCode).toBe(202);
    const reply = response.json();
    expect(reply).toEqual({ runId: expect.any(String), status: 'QUEUED', created: true });
    const runs = await runsOf(tenant);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      id: reply.runId,
      tenantId: tenant.tenantId,
      workflowId: tenant.workflowId,
      workflowVersionId: tenant.versionId,
      triggerId,
      status: 'QUEUED',
      input: body,
      idempotencyKey: null,
    });
    const job = await runJobOf(reply.runId);
    expect(job?.id).toBe(`run-${reply.runId}`);
    expect(job?.name).toBe('run');
    expect(job?.data).toEqual({ tenantId: tenant.tenantId, runId: reply.runId });
  });

  it('answers the same run for a repeated Idempotency-Key: 202 created, then 200 not created, one row', async () => {
    const { tenant, triggerId, secret } = await seedTrigger();
    const headers = { ...secretHeader(secret), 'idempotency-key': 'order-42' };
    const first = await fire(triggerId, { orderId: 42 }, headers);
    const second = await fire(triggerId, { orderId: 42, repeated: true }, headers);

    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ status: 'QUEUED', created: true });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({ runId: first.json().runId, status: 'QUEUED', created: false });
    const runs = await runsOf(tenant);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ id: first.json().runId, input: { orderId: 42 }, status: 'QUEUED' });
    const jobs = await api.queues.runs.getJobs(['waiting', 'delayed', 'active', 'prioritized']);
    expect(jobs.filter((job) => job.data.runId === first.json().runId)).toHaveLength(1);
  });

  it('creates one run when two calls with the same Idempotency-Key arrive at once', async () => {
    const { tenant, triggerId, secret } = await seedTrigger();
    const headers = { ...secretHeader(secret), 'idempotency-key': 'concurrent' };
    const replies = await Promise.all([fire(triggerId, { n: 1 }, headers), fire(triggerId, { n: 2 }, headers)]);

    expect(replies.map((reply) => reply.statusCode).sort()).toEqual([200, 202]);
    expect(replies[0]?.json().runId).toBe(replies[1]?.json().runId);
    expect(replies.map((reply) => reply.json().status)).toEqual(['QUEUED', 'QUEUED']);
    expect(await runsOf(tenant)).toHaveLength(1);
  });

  it('creates separate runs for different Idempotency-Keys', async () => {
    const { tenant, triggerId, secret } = await seedTrigger();
    const first = await fire(triggerId, { n: 1 }, { ...secretHeader(secret), 'idempotency-key': 'key-1' });
    const second = await fire(triggerId, { n: 2 }, { ...secretHeader(secret), 'idempotency-key': 'key-2' });

    expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
    expect(first.json().runId).not.toBe(second.json().runId);
    const runs = await runsOf(tenant);
    expect(runs.map((run) => run.id).sort()).toEqual([first.json().runId, second.json().runId].sort());
    expect(runs.map((run) => run.status)).toEqual(['QUEUED', 'QUEUED']);
  });

  it('creates a new run on every call without an Idempotency-Key', async () => {
    const { tenant, triggerId, secret } = await seedTrigger();
    const first = await fire(triggerId, { same: true }, secretHeader(secret));
    const second = await fire(triggerId, { same: true }, secretHeader(secret));

    expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
    expect([first.json().created, second.json().created]).toEqual([true, true]);
    expect(first.json().runId).not.toBe(second.json().runId);
    const runs = await runsOf(tenant);
    expect(runs).toHaveLength(2);
    expect(runs.map((run) => run.idempotencyKey)).toEqual([null, null]);
  });

  it('uses {} as the input when the call has no body', async () => {
    const { tenant, triggerId, secret } = await seedTrigger();
    const response = await fire(triggerId, undefined, secretHeader(secret));

    expect(response.statusCode).toBe(202);
    const [run] = await runsOf(tenant);
    expect(run).toMatchObject({ id: response.json().runId, input: {}, status: 'QUEUED' });
  });

  it('answers 404 for a wrong or missing secret and creates no run', async () => {
    const { tenant, triggerId, secret } = await seedTrigger();
    const wrong = await fire(triggerId, { orderId: 1 }, secretHeader(`${secret}-not`));
    const missing = await fire(triggerId, { orderId: 1 });
    // The stored hash itself is not a secret that opens the trigger.
    const hashAsSecret = await fire(triggerId, { orderId: 1 }, secretHeader(createHash('sha256').update(secret).digest('hex')));

    for (const response of [wrong, missing, hashAsSecret]) {
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
    expect(await runsOf(tenant)).toHaveLength(0);
  });

  it('answers 404 for an inactive trigger even with its secret, and creates no run', async () => {
    const { tenant, triggerId, secret } = await seedTrigger({ triggerActive: false });
    const response = await fire(triggerId, { orderId: 1 }, secretHeader(secret));

    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(await runsOf(tenant)).toHaveLength(0);
  });

  it('answers 404 for a SCHEDULE trigger even when a matching secret hash is stored, and creates no run', async () => {
    const tenant = await seedWorkflow(api.db.prisma, definition);
    const secret = 'schedule-secret';
    const schedule = await api.db.prisma.trigger.create({
      data: {
        tenantId: tenant.tenantId,
        workflowId: tenant.workflowId,
        type: 'SCHEDULE',
        cron: '*/5 * * * *',
        timezone: 'UTC',
        isActive: true,
        secretHash: createHash('sha256').update(secret).digest('hex'),
      },
    });
    const response = await fire(schedule.id, { orderId: 1 }, secretHeader(secret));

    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(await runsOf(tenant)).toHaveLength(0);
  });

  it('answers 404 for an unknown trigger id and creates no run', async () => {
    const before = await api.db.prisma.workflowRun.count();
    const response = await fire(crypto.randomUUID(), { orderId: 1 }, secretHeader('whatever'));

    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(await api.db.prisma.workflowRun.count()).toBe(before);
  });

  it('answers 400 naming params.triggerId for an id that is not a uuid', async () => {
    const before = await api.db.prisma.workflowRun.count();
    const response = await fire('not-a-uuid', { orderId: 1 }, secretHeader('whatever'));

    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain('params.triggerId');
    expect(error.details.issues).toEqual([expect.objectContaining({ field: 'params.triggerId' })]);
    expect(await api.db.prisma.workflowRun.count()).toBe(before);
  });

  it('answers 400 for a JSON array body and creates no run', async () => {
    const { tenant, triggerId, secret } = await seedTrigger();
    const response = await fire(triggerId, [{ orderId: 1 }], secretHeader(secret));

    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toMatch(/^body/);
    expect(await runsOf(tenant)).toHaveLength(0);
  });

  it('creates the run of an inactive workflow, marks it FAILED and says so, without a run job', async () => {
    const { tenant, triggerId, secret } = await seedTrigger({ workflowActive: false });
    const response = await fire(triggerId, { orderId: 7 }, secretHeader(secret));

    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ runId: expect.any(String), status: 'FAILED', created: true });
    const runs = await runsOf(tenant);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      id: response.json().runId,
      triggerId,
      status: 'FAILED',
      input: { orderId: 7 },
      workflowVersionId: null,
      error: { code: 'WORKFLOW_UNAVAILABLE', message: 'workflow is inactive' },
    });
    expect(runs[0]?.finishedAt).toBeInstanceOf(Date);
    expect(await runJobOf(response.json().runId)).toBeUndefined();
  });

  it("creates the run in the trigger's tenant even when the body names another tenant", async () => {
    const { tenant, triggerId, secret } = await seedTrigger();
    const other = await seedWorkflow(api.db.prisma, definition);
    const body = { tenantId: other.tenantId, workflowId: other.workflowId, orderId: 3 };
    const response = await fire(triggerId, body, secretHeader(secret));

    expect(response.statusCode).toBe(202);
    const run = await api.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: response.json().runId } });
    expect(run).toMatchObject({
      tenantId: tenant.tenantId,
      workflowId: tenant.workflowId,
      workflowVersionId: tenant.versionId,
      input: body,
    });
    expect(await runsOf(other)).toHaveLength(0);
    expect((await runJobOf(run.id))?.data).toEqual({ tenantId: tenant.tenantId, runId: run.id });
  });
});

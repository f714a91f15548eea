import { runJob } from '@conveyor/queue';
import { createTestRedis, hasuraRunInsertedEvent, insertRun, seedWorkflow, type TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, TEST_HOOK_SECRET, type TestApi } from '../../../test/test-api';

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };
const headers = { 'x-conveyor-hook-secret': TEST_HOOK_SECRET };

let api: TestApi;
let tenant: TenantFixture;
beforeAll(async () => {
  api = await createTestApi({ label: 'events' });
  tenant = await seedWorkflow(api.db.prisma, definition);
});
afterAll(async () => {
  await api.close();
  const redis = await createTestRedis('events-cleanup');
  const keys = await redis.redis.keys(`${api.queuePrefix}*`);
  if (keys.length) await redis.redis.del(...keys);
  await redis.cleanup();
});

const post = (body: unknown, extraHeaders: Record<string, string> = headers) =>
  api.app.inject({ method: 'POST', url: '/hooks/hasura/events', headers: extraHeaders, payload: body as object });
const runOf = (id: string) => api.db.prisma.workflowRun.findUniqueOrThrow({ where: { id } });

describe('POST /hooks/hasura/events', () => {
  it('queues a new run, pins the current version and adds one job named after the run', async () => {
    const runId = await insertRun(api.db.prisma, tenant, { orderId: 42 });
    const response = await post(hasuraRunInsertedEvent({ id: runId, tenantId: tenant.tenantId }));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ outcome: 'queued', runId });
    expect(await runOf(runId)).toMatchObject({ status: 'QUEUED', workflowVersionId: tenant.versionId });
    const job = await api.queues.runs.getJob(runJob.id(runId));
    expect(job?.data).toEqual({ tenantId: tenant.tenantId, runId });
  });

  it('treats the same event delivered three times (and Hasura retries) as one dispatch', async () => {
    const runId = await insertRun(api.db.prisma, tenant);
    const event = hasuraRunInsertedEvent({ id: runId, tenantId: tenant.tenantId });
    const replies = [
      await post(event),
      await post({ ...event, delivery_info: { current_retry: 1, max_retries: 5 } }),
      await post(event),
    ];
    expect(replies.map((reply) => reply.statusCode)).toEqual([200, 200, 200]);
    expect(replies.map((reply) => reply.json().outcome)).toEqual(['queued', 'already-dispatched', 'already-dispatched']);
    const jobs = await api.queues.runs.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
    expect(jobs.filter((job) => job.data.runId === runId)).toHaveLength(1);
  });

  it('accepts rows written outside Hasura (session_variables and trace_context null)', async () => {
    const runId = await insertRun(api.db.prisma, tenant);
    const response = await post(hasuraRunInsertedEvent({ id: runId, tenantId: tenant.tenantId }, { viaHasura: false }));
    expect(response.json()).toMatchObject({ outcome: 'queued' });
  });

  it('answers 401 for a missing or wrong secret and changes nothing', async () => {
    const runId = await insertRun(api.db.prisma, tenant);
    const event = hasuraRunInsertedEvent({ id: runId, tenantId: tenant.tenantId });
    expect((await post(event, {})).statusCode).toBe(401);
    const wrong = await post(event, { 'x-conveyor-hook-secret': 'not-the-secret' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    expect((await runOf(runId)).status).toBe('PENDING');
  });

  it('answers 400 naming the field for a malformed body or an unknown trigger, and changes nothing', async () => {
    const runId = await insertRun(api.db.prisma, tenant);
    const event = hasuraRunInsertedEvent({ id: runId, tenantId: tenant.tenantId });
    const noDelivery = await post({ ...event, delivery_info: undefined });
    expect(noDelivery.statusCode).toBe(400);
    expect(noDelivery.json().error.message).toContain('delivery_info');
    const badRunId = await post({
      ...event,
      event: { ...event.event, data: { old: null, new: { id: 'nope', tenantId: tenant.tenantId } } },
    });
    expect(badRunId.statusCode).toBe(400);
    expect(badRunId.json().error.message).toContain('event.data.new.id');
    const unknown = await post({ ...event, trigger: { name: 'something_else' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toContain('trigger.name');
    expect((await runOf(runId)).status).toBe('PENDING');
  });

  it('marks the run FAILED with a reason when its workflow is inactive, and answers 200', async () => {
    const inactive = await seedWorkflow(api.db.prisma, definition, { isActive: false });
    const runId = await insertRun(api.db.prisma, inactive);
    const response = await post(hasuraRunInsertedEvent({ id: runId, tenantId: inactive.tenantId }));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ outcome: 'failed', detail: 'workflow is inactive' });
    expect(await runOf(runId)).toMatchObject({
      status: 'FAILED',
      error: { code: 'WORKFLOW_UNAVAILABLE', message: 'workflow is inactive' },
    });
  });

  it('does not dispatch another tenant’s run named with the wrong tenant', async () => {
    const other = await seedWorkflow(api.db.prisma, definition);
    const theirs = await insertRun(api.db.prisma, other);
    const response = await post(hasuraRunInsertedEvent({ id: theirs, tenantId: tenant.tenantId }));
    expect(response.json()).toMatchObject({ outcome: 'missing' });
    expect((await runOf(theirs)).status).toBe('PENDING');
  });

  it('answers 503 while Redis is down, so Hasura retries; the retry then adds the job', async () => {
    const runId = await insertRun(api.db.prisma, tenant);
    const event = hasuraRunInsertedEvent({ id: runId, tenantId: tenant.tenantId });
    const down = await createTestApi({ db: api.db, redisUrl: 'redis://127.0.0.1:1', queuePrefix: api.queuePrefix });
    try {
      const response = await down.app.inject({ method: 'POST', url: '/hooks/hasura/events', headers, payload: event });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ error: { code: 'DEPENDENCY_UNAVAILABLE' } });
    } finally {
      await down.close();
    }
    const retried = await post({ ...event, delivery_info: { current_retry: 1, max_retries: 5 } });
    expect(retried.json()).toMatchObject({ outcome: 'already-dispatched' });
    expect(await api.queues.runs.getJob(runJob.id(runId))).toBeDefined();
  });

  it('answers 503 within seconds while PostgreSQL is down, so Hasura retries, and never hangs', async () => {
    const runId = await insertRun(api.db.prisma, tenant);
    const event = hasuraRunInsertedEvent({ id: runId, tenantId: tenant.tenantId });
    const down = await createTestApi({
      db: api.db,
      databaseUrl: 'postgresql://postgres@127.0.0.1:1/conveyor',
      queuePrefix: api.queuePrefix,
    });
    try {
      const started = Date.now();
      const response = await down.app.inject({ method: 'POST', url: '/hooks/hasura/events', headers, payload: event });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ error: { code: 'DEPENDENCY_UNAVAILABLE' } });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await down.close();
    }
    expect((await post(event)).json()).toMatchObject({ outcome: 'queued' });
  });
});

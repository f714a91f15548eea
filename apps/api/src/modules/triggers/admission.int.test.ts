import { runJob } from '@conveyor/queue';
import { hasuraRunInsertedEvent, insertRun, seedWebhookTrigger, seedWorkflow } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, TEST_HOOK_SECRET, type TestApi } from '../../../test/test-api';
import { VALIDATION_ROUTES } from '../hasura-validations/hasura-validations.module';

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };
const MAX_BACKLOG = 3;

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({
    label: 'admission',
    env: { TENANT_MAX_BACKLOG: String(MAX_BACKLOG), TENANT_BACKLOG_RETRY_AFTER_SECONDS: '7' },
  });
});
afterAll(async () => {
  await api.close();
});

async function seedTrigger() {
  const tenant = await seedWorkflow(api.db.prisma, definition);
  return { tenant, ...(await seedWebhookTrigger(api.db.prisma, tenant)) };
}
type Seeded = Awaited<ReturnType<typeof seedTrigger>>;

const fire = ({ triggerId, secret }: Seeded, headers: Record<string, string> = {}) =>
  api.app.inject({
    method: 'POST',
    url: `/hooks/triggers/${triggerId}`,
    headers: { 'x-conveyor-trigger-secret': secret, ...headers },
    payload: { n: 1 },
  });
const runsOf = ({ tenant }: Seeded) => api.db.prisma.workflowRun.findMany({ where: { tenantId: tenant.tenantId } });
/** Fires until the tenant's backlog is at the bound, each call admitted. */
async function fillBacklog(seeded: Seeded, already = 0) {
  for (let i = already; i < MAX_BACKLOG; i++) expect((await fire(seeded)).statusCode).toBe(202);
}
const refusedCount = async () => {
  const text = (await api.app.inject({ method: 'GET', url: '/metrics' })).body;
  return Number(/conveyor_runs_refused_total\{[^}]*reason="backlog"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
};

describe('admission at the door: the per-tenant backlog bound of webhook triggers', () => {
  it('answers 429 with Retry-After and RATE_LIMITED past the bound, creating no run; another tenant is unaffected', async () => {
    const full = await seedTrigger();
    const other = await seedTrigger();
    await fillBacklog(full);
    const refusedBefore = await refusedCount();

    const refused = await fire(full);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('7');
    expect(refused.json().error).toMatchObject({
      code: 'RATE_LIMITED',
      details: { maxBacklog: MAX_BACKLOG, retryAfterSeconds: 7 },
    });
    expect(await runsOf(full)).toHaveLength(MAX_BACKLOG);
    expect(await refusedCount()).toBe(refusedBefore + 1);

    const admitted = await fire(other);
    expect(admitted.statusCode).toBe(202);
    expect(await runsOf(other)).toHaveLength(1);
  });

  it('counts unfinished runs (PENDING, QUEUED, RUNNING) and admits again once one finishes', async () => {
    const seeded = await seedTrigger();
    // A run inserted through Hasura and not yet dispatched is in the backlog too.
    await insertRun(api.db.prisma, seeded.tenant);
    await fillBacklog(seeded, 1);
    expect((await fire(seeded)).statusCode).toBe(429);

    const [first, second] = await runsOf(seeded);
    await api.db.prisma.workflowRun.update({ where: { id: first?.id }, data: { status: 'RUNNING' } });
    expect((await fire(seeded)).statusCode).toBe(429);

    await api.db.prisma.workflowRun.update({ where: { id: second?.id }, data: { status: 'CANCELLED' } });
    expect((await fire(seeded)).statusCode).toBe(202);
    expect((await fire(seeded)).statusCode).toBe(429);
    await api.db.prisma.workflowRun.update({ where: { id: first?.id }, data: { status: 'SUCCEEDED' } });
    expect((await fire(seeded)).statusCode).toBe(202);
    expect(await runsOf(seeded)).toHaveLength(MAX_BACKLOG + 2);
  });

  it('answers an idempotent repeat past the bound with the run it created, and refuses a new key', async () => {
    const seeded = await seedTrigger();
    const first = await fire(seeded, { 'idempotency-key': 'order-1' });
    expect(first.statusCode).toBe(202);
    await fillBacklog(seeded, 1);

    const repeat = await fire(seeded, { 'idempotency-key': 'order-1' });
    expect(repeat.statusCode).toBe(200);
    expect(repeat.json()).toEqual({ runId: first.json().runId, status: 'QUEUED', created: false });
    expect((await fire(seeded, { 'idempotency-key': 'order-2' })).statusCode).toBe(429);
    expect(await runsOf(seeded)).toHaveLength(MAX_BACKLOG);
  });

  it('never refuses the Hasura event webhook: a run inserted past the bound is queued and waits', async () => {
    const seeded = await seedTrigger();
    await fillBacklog(seeded);
    const runId = await insertRun(api.db.prisma, seeded.tenant);

    const response = await api.app.inject({
      method: 'POST',
      url: '/hooks/hasura/events',
      headers: { 'x-conveyor-hook-secret': TEST_HOOK_SECRET },
      payload: hasuraRunInsertedEvent({ id: runId, tenantId: seeded.tenant.tenantId }),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ outcome: 'queued', runId });
    expect(await api.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: 'QUEUED' });
    expect(await api.queues.runs.getJob(runJob.id(runId))).toBeDefined();
  });
});

/** What Hasura POSTs before a member's insert_WorkflowRun of these rows (input validation, v2.29+). */
const validateRunInsert = (tenant: Seeded['tenant'], rows: unknown[]) =>
  api.app.inject({
    method: 'POST',
    url: VALIDATION_ROUTES.runInsert,
    headers: { 'x-conveyor-hook-secret': TEST_HOOK_SECRET },
    payload: {
      version: 1,
      role: 'member',
      session_variables: { 'x-hasura-role': 'member', 'x-hasura-user-id': tenant.userId, 'x-hasura-tenant-id': tenant.tenantId },
      data: { input: rows },
    },
  });
const runRows = (tenant: Seeded['tenant'], count: number) =>
  Array.from({ length: count }, (_, n) => ({ workflowId: tenant.workflowId, input: { n } }));

describe('admission at the door: the same bound on runs an app inserts through Hasura', () => {
  it('refuses the insert (400, the message Hasura forwards says when to retry) once the rows would pass the bound', async () => {
    const seeded = await seedTrigger();
    const other = await seedTrigger();
    await insertRun(api.db.prisma, seeded.tenant);
    expect((await validateRunInsert(seeded.tenant, runRows(seeded.tenant, MAX_BACKLOG - 1))).statusCode).toBe(200);
    await fillBacklog(seeded, 1);
    const refusedBefore = await refusedCount();

    const refused = await validateRunInsert(seeded.tenant, runRows(seeded.tenant, 1));
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({
      message: `objects: the tenant has ${MAX_BACKLOG} runs not yet finished (TENANT_MAX_BACKLOG); retry in 7 s`,
    });
    expect(await refusedCount()).toBe(refusedBefore + 1);
    // Another tenant's backlog is its own.
    expect((await validateRunInsert(other.tenant, runRows(other.tenant, MAX_BACKLOG))).statusCode).toBe(200);
    expect((await validateRunInsert(other.tenant, runRows(other.tenant, MAX_BACKLOG + 1))).statusCode).toBe(400);

    const [first] = await runsOf(seeded);
    await api.db.prisma.workflowRun.update({ where: { id: first?.id }, data: { status: 'SUCCEEDED' } });
    expect((await validateRunInsert(seeded.tenant, runRows(seeded.tenant, 1))).statusCode).toBe(200);
    expect((await validateRunInsert(seeded.tenant, runRows(seeded.tenant, 2))).statusCode).toBe(400);
  });

  it('judges the rows first: a bad row is named even when the tenant is past its bound', async () => {
    const seeded = await seedTrigger();
    await fillBacklog(seeded);
    const reply = await validateRunInsert(seeded.tenant, [{ idempotencyKey: 'webhook:squat' }]);
    expect(reply.statusCode).toBe(400);
    expect(reply.json().message).toMatch(/^objects\[0\]\.idempotencyKey:/);
  });
});

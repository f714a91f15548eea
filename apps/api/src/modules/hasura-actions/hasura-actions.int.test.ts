import { cancellationChannel, type StepJobData } from '@conveyor/queue';
import { createTestRedis, insertRun, seedWorkflow, type TenantFixture, type TestRedis, waitFor } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, TEST_HOOK_SECRET, type TestApi } from '../../../test/test-api';

const definition = {
  steps: [
    { key: 'fetch', action: { app: 'core', version: '1', key: 'noop' } },
    { key: 'send', action: { app: 'core', version: '1', key: 'noop' }, dependsOn: ['fetch'] },
  ],
};
const hookHeaders = { 'x-conveyor-hook-secret': TEST_HOOK_SECRET };
const retry = { backoff: 'fixed', delayMs: 1_000, maxDelayMs: 1_000, jitter: 0 } as const;

let api: TestApi;
let tenantA: TenantFixture;
let tenantB: TenantFixture;
let subscriber: TestRedis;
const announced: string[] = [];

beforeAll(async () => {
  api = await createTestApi({ label: 'actions' });
  tenantA = await seedWorkflow(api.db.prisma, definition);
  tenantB = await seedWorkflow(api.db.prisma, definition);
  // Listens where workers learn about cancellations, to see that a cancel is announced.
  subscriber = await createTestRedis('actions-cancellations');
  subscriber.redis.on('message', (channel: string, runId: string) => {
    if (channel === cancellationChannel(api.queuePrefix)) announced.push(runId);
  });
  await subscriber.redis.subscribe(cancellationChannel(api.queuePrefix));
});
afterAll(async () => {
  await api.close();
  subscriber.redis.disconnect();
  const redis = await createTestRedis('actions-cleanup');
  const keys = await redis.redis.keys(`${api.queuePrefix}*`);
  if (keys.length) await redis.redis.del(...keys);
  await redis.cleanup();
});

/** The session Hasura resolves for a signed-in member of `tenant` (contract §2.1). */
const sessionOf = (tenant: TenantFixture) => ({
  'x-hasura-role': 'user',
  'x-hasura-user-id': tenant.userId,
  'x-hasura-tenant-id': tenant.tenantId,
});

const callAction = (
  path: 'cancel-workflow-run' | 'retry-workflow-run',
  input: Record<string, unknown>,
  sessionVariables: Record<string, string>,
  headers: Record<string, string> = hookHeaders,
) =>
  api.app.inject({
    method: 'POST',
    url: `/hooks/hasura/actions/${path}`,
    headers,
    payload: {
      action: { name: path === 'cancel-workflow-run' ? 'cancelWorkflowRun' : 'retryWorkflowRun' },
      input,
      session_variables: sessionVariables,
      request_query: `mutation { ${path === 'cancel-workflow-run' ? 'cancelWorkflowRun' : 'retryWorkflowRun'}(runId: "${String(input.runId)}") { ok status } }`,
    },
  });
const cancel = (tenant: TenantFixture, input: Record<string, unknown>) =>
  callAction('cancel-workflow-run', input, sessionOf(tenant));
const rerun = (tenant: TenantFixture, runId: string) => callAction('retry-workflow-run', { runId }, sessionOf(tenant));

const runOf = (id: string) => api.db.prisma.workflowRun.findUniqueOrThrow({ where: { id } });
const stepsOf = async (runId: string) => {
  const steps = await api.db.prisma.stepRun.findMany({ where: { workflowRunId: runId } });
  return Object.fromEntries(steps.map((step) => [step.stepKey, step]));
};

/** A dispatched run (QUEUED, version pinned) as the api leaves it. */
async function queuedRun(tenant: TenantFixture, input: object = {}) {
  const runId = await insertRun(api.db.prisma, tenant, input);
  await api.db.prisma.workflowRun.update({
    where: { id: runId },
    data: { status: 'QUEUED', workflowVersionId: tenant.versionId },
  });
  return runId;
}

/** A QUEUED step row of `runId` whose job waits in the steps queue under the row's jobId. */
async function queuedStep(tenant: TenantFixture, runId: string, stepKey: string) {
  const step = await api.db.prisma.stepRun.create({
    data: { tenantId: tenant.tenantId, workflowRunId: runId, stepKey, status: 'QUEUED', attempt: 0 },
  });
  const jobId = `step-${step.id}-0`;
  await api.db.prisma.stepRun.update({ where: { id: step.id }, data: { jobId } });
  const data: StepJobData = { tenantId: tenant.tenantId, runId, stepRunId: step.id, retry };
  await api.queues.steps.add(stepKey, data, { jobId, attempts: 3 });
  expect(await api.queues.steps.getJob(jobId)).toBeDefined();
  return { stepRunId: step.id, jobId };
}

/** A run that failed at `send` after `fetch` succeeded, as the worker leaves it. */
async function failedRun(tenant: TenantFixture) {
  const runId = await queuedRun(tenant, { orderId: 9 });
  const finishedAt = new Date();
  await api.db.prisma.stepRun.create({
    data: {
      tenantId: tenant.tenantId,
      workflowRunId: runId,
      stepKey: 'fetch',
      status: 'SUCCEEDED',
      attempt: 1,
      jobId: 'fetch-job',
      output: { orders: [1, 2, 3] },
      startedAt: finishedAt,
      finishedAt,
    },
  });
  await api.db.prisma.stepRun.create({
    data: {
      tenantId: tenant.tenantId,
      workflowRunId: runId,
      stepKey: 'send',
      status: 'FAILED',
      attempt: 3,
      jobId: 'send-job',
      error: { code: 'HTTP_500', message: 'upstream failed' },
      startedAt: finishedAt,
      finishedAt,
    },
  });
  await api.db.prisma.workflowRun.update({
    where: { id: runId },
    data: {
      status: 'FAILED',
      startedAt: finishedAt,
      finishedAt,
      error: { code: 'STEP_FAILED', message: 'step send failed' },
    },
  });
  return runId;
}

const expectHasuraError = (body: Record<string, unknown>, code: string) => {
  expect(Object.keys(body).sort()).toEqual(['extensions', 'message']);
  expect(body.message).toEqual(expect.any(String));
  expect(body.extensions).toMatchObject({ code });
};

describe('POST /hooks/hasura/actions/cancel-workflow-run', () => {
  it('cancels a QUEUED run and its waiting steps, removes their jobs and announces the cancel', async () => {
    const runId = await queuedRun(tenantA);
    const fetch = await queuedStep(tenantA, runId, 'fetch');
    const send = await queuedStep(tenantA, runId, 'send');
    const otherRunId = await queuedRun(tenantA);
    const other = await queuedStep(tenantA, otherRunId, 'fetch');

    const response = await cancel(tenantA, { runId, reason: 'stopped by user' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true, status: 'CANCELLED' });
    const run = await runOf(runId);
    expect(run).toMatchObject({ status: 'CANCELLED', error: { code: 'CANCELLED', message: 'stopped by user' } });
    expect(run.finishedAt).toBeInstanceOf(Date);
    const steps = await stepsOf(runId);
    for (const key of ['fetch', 'send']) {
      expect(steps[key]).toMatchObject({ status: 'CANCELLED', error: { code: 'CANCELLED', message: 'stopped by user' } });
      expect(steps[key]?.finishedAt).toBeInstanceOf(Date);
    }
    expect(await api.queues.steps.getJob(fetch.jobId)).toBeUndefined();
    expect(await api.queues.steps.getJob(send.jobId)).toBeUndefined();
    // Another run's step and job are left alone.
    expect(await api.queues.steps.getJob(other.jobId)).toBeDefined();
    expect((await stepsOf(otherRunId)).fetch?.status).toBe('QUEUED');
    expect((await runOf(otherRunId)).status).toBe('QUEUED');
    expect(
      await waitFor(
        async () => announced,
        (ids) => ids.includes(runId),
        5_000,
      ),
    ).toContain(runId);
  });

  it('cancels a RUNNING run with the default reason, leaving its succeeded step as it was', async () => {
    const runId = await queuedRun(tenantA);
    await api.db.prisma.workflowRun.update({ where: { id: runId }, data: { status: 'RUNNING', startedAt: new Date() } });
    await api.db.prisma.stepRun.create({
      data: {
        tenantId: tenantA.tenantId,
        workflowRunId: runId,
        stepKey: 'fetch',
        status: 'SUCCEEDED',
        output: { value: 1 },
      },
    });
    const send = await queuedStep(tenantA, runId, 'send');

    const response = await cancel(tenantA, { runId });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true, status: 'CANCELLED' });
    expect(await runOf(runId)).toMatchObject({
      status: 'CANCELLED',
      error: { code: 'CANCELLED', message: 'cancelled by user' },
    });
    const steps = await stepsOf(runId);
    expect(steps.fetch).toMatchObject({ status: 'SUCCEEDED', output: { value: 1 }, error: null });
    expect(steps.send?.status).toBe('CANCELLED');
    expect(await api.queues.steps.getJob(send.jobId)).toBeUndefined();
  });

  it('answers 409 CONFLICT when the run is already cancelled, and keeps the first reason', async () => {
    const runId = await queuedRun(tenantA);
    expect((await cancel(tenantA, { runId, reason: 'first' })).statusCode).toBe(200);
    const before = await runOf(runId);

    const again = await cancel(tenantA, { runId, reason: 'second' });

    expect(again.statusCode).toBe(409);
    const body = again.json();
    expectHasuraError(body, 'CONFLICT');
    expect(body.extensions).toEqual({ code: 'CONFLICT', runId, status: 'CANCELLED' });
    expect(body.message).toContain(runId);
    const after = await runOf(runId);
    expect(after).toMatchObject({ status: 'CANCELLED', error: { code: 'CANCELLED', message: 'first' } });
    expect(after.updatedAt).toEqual(before.updatedAt);
  });

  it("answers 404 in Hasura's error shape when tenant A cancels tenant B's run, and leaves it running", async () => {
    const theirs = await queuedRun(tenantB);
    const step = await queuedStep(tenantB, theirs, 'fetch');

    const response = await cancel(tenantA, { runId: theirs, reason: 'hostile' });

    expect(response.statusCode).toBe(404);
    const body = response.json();
    expectHasuraError(body, 'NOT_FOUND');
    expect(body.extensions).toEqual({ code: 'NOT_FOUND', runId: theirs });
    expect(await runOf(theirs)).toMatchObject({ status: 'QUEUED', error: null, finishedAt: null });
    expect((await stepsOf(theirs)).fetch).toMatchObject({ status: 'QUEUED', error: null });
    expect(await api.queues.steps.getJob(step.jobId)).toBeDefined();
    expect(announced).not.toContain(theirs);
  });

  it('answers 404 for a run id that does not exist', async () => {
    const response = await cancel(tenantA, { runId: crypto.randomUUID() });
    expect(response.statusCode).toBe(404);
    expectHasuraError(response.json(), 'NOT_FOUND');
  });

  it('answers 403 when session_variables carry no usable x-hasura-tenant-id, and changes nothing', async () => {
    const runId = await queuedRun(tenantA);
    const noTenant = await callAction(
      'cancel-workflow-run',
      { runId },
      { 'x-hasura-role': 'user', 'x-hasura-user-id': tenantA.userId },
    );
    const adminOnly = await callAction('cancel-workflow-run', { runId }, { 'x-hasura-role': 'admin' });
    const notUuid = await callAction(
      'cancel-workflow-run',
      { runId },
      { 'x-hasura-role': 'user', 'x-hasura-tenant-id': 'tenant-a' },
    );

    for (const response of [noTenant, adminOnly, notUuid]) {
      expect(response.statusCode).toBe(403);
      expectHasuraError(response.json(), 'FORBIDDEN');
      expect(response.json().extensions.field).toBe('session_variables.x-hasura-tenant-id');
    }
    expect(await runOf(runId)).toMatchObject({ status: 'QUEUED', error: null });
  });

  it('answers 400 naming body.input.runId for a runId that is not a uuid', async () => {
    const response = await cancel(tenantA, { runId: 'run-123' });

    expect(response.statusCode).toBe(400);
    const body = response.json();
    expectHasuraError(body, 'VALIDATION_FAILED');
    expect(body.message).toContain('body.input.runId');
    expect(body.extensions).toEqual({ code: 'VALIDATION_FAILED', field: 'body.input.runId' });
  });

  it('answers 401 for a wrong or missing hook secret, and changes nothing', async () => {
    const runId = await queuedRun(tenantA);
    const wrong = await callAction('cancel-workflow-run', { runId }, sessionOf(tenantA), {
      'x-conveyor-hook-secret': `${TEST_HOOK_SECRET}x`,
    });
    const missing = await callAction('cancel-workflow-run', { runId }, sessionOf(tenantA), {});

    for (const response of [wrong, missing]) {
      expect(response.statusCode).toBe(401);
      expectHasuraError(response.json(), 'UNAUTHORIZED');
    }
    expect(await runOf(runId)).toMatchObject({ status: 'QUEUED', error: null });
  });
});

describe('POST /hooks/hasura/actions/retry-workflow-run', () => {
  it('requeues a FAILED run from its failure: error cleared, failed step PENDING, succeeded step kept, run job added', async () => {
    const runId = await failedRun(tenantA);
    expect(await api.queues.runs.getJob(`run-${runId}`)).toBeUndefined();

    const response = await rerun(tenantA, runId);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true, status: 'QUEUED' });
    expect(await runOf(runId)).toMatchObject({
      status: 'QUEUED',
      error: null,
      output: null,
      finishedAt: null,
      workflowVersionId: tenantA.versionId,
      input: { orderId: 9 },
    });
    const steps = await stepsOf(runId);
    expect(steps.send).toMatchObject({ status: 'PENDING', error: null, output: null, finishedAt: null });
    expect(steps.fetch).toMatchObject({ status: 'SUCCEEDED', output: { orders: [1, 2, 3] }, error: null });
    expect(steps.fetch?.finishedAt).toBeInstanceOf(Date);
    const job = await api.queues.runs.getJob(`run-${runId}`);
    expect(job?.name).toBe('run');
    expect(job?.data).toEqual({ tenantId: tenantA.tenantId, runId });
  });

  it('answers 409 CONFLICT for a SUCCEEDED run and changes nothing', async () => {
    const runId = await queuedRun(tenantA);
    await api.db.prisma.workflowRun.update({
      where: { id: runId },
      data: { status: 'SUCCEEDED', output: { done: true }, finishedAt: new Date() },
    });

    const response = await rerun(tenantA, runId);

    expect(response.statusCode).toBe(409);
    const body = response.json();
    expectHasuraError(body, 'CONFLICT');
    expect(body.extensions).toEqual({ code: 'CONFLICT', runId, status: 'SUCCEEDED' });
    expect(await runOf(runId)).toMatchObject({ status: 'SUCCEEDED', output: { done: true } });
    expect(await api.queues.runs.getJob(`run-${runId}`)).toBeUndefined();
  });

  it("answers 404 when tenant A retries tenant B's FAILED run, and leaves it FAILED", async () => {
    const theirs = await failedRun(tenantB);

    const response = await rerun(tenantA, theirs);

    expect(response.statusCode).toBe(404);
    const body = response.json();
    expectHasuraError(body, 'NOT_FOUND');
    expect(body.extensions).toEqual({ code: 'NOT_FOUND', runId: theirs });
    expect(await runOf(theirs)).toMatchObject({
      status: 'FAILED',
      error: { code: 'STEP_FAILED', message: 'step send failed' },
    });
    expect((await stepsOf(theirs)).send?.status).toBe('FAILED');
    expect(await api.queues.runs.getJob(`run-${theirs}`)).toBeUndefined();
  });

  it('answers 401 without the hook secret and leaves the run FAILED', async () => {
    const runId = await failedRun(tenantA);
    const response = await callAction('retry-workflow-run', { runId }, sessionOf(tenantA), {});

    expect(response.statusCode).toBe(401);
    expectHasuraError(response.json(), 'UNAUTHORIZED');
    expect((await runOf(runId)).status).toBe('FAILED');
  });
});

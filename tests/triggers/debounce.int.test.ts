import { runJob } from '@conveyor/queue';
import { seedWorkflow, type TenantFixture, waitFor } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, TEST_HOOK_SECRET, type TestApi } from '../../apps/api/test/test-api';
import { reconcileOnce } from '../../apps/worker/src/reconciler/reconciler';
import { createRunWorker } from '../../apps/worker/src/runs/run.worker';
import { createStepWorker } from '../../apps/worker/src/steps/step.worker';
import { createTestWorkerDeps, type TestWorkerDeps } from '../../apps/worker/test/test-worker';

// Debounced webhook triggers end to end, in one process: the api answers the calls, a worker starts
// the runs. The run's only step echoes the run input, so its output is the input the run ran with.

let t: TestWorkerDeps;
let api: TestApi;
let workers: ReturnType<typeof createRunWorker>[];
/** What to do when a run's job asks for its tenant slot: after it read the run, before it starts it (once). */
const beforeStart = new Map<string, () => Promise<void>>();
beforeAll(async () => {
  t = await createTestWorkerDeps('debounce');
  api = await createTestApi({ label: 'debounce', db: t.db, queuePrefix: t.config.redis.queuePrefix });
  const { admission } = t.deps;
  const admit: typeof admission.admit = async (tenantId, runId, ...rest) => {
    const hook = beforeStart.get(runId);
    beforeStart.delete(runId);
    await hook?.();
    return admission.admit(tenantId, runId, ...rest);
  };
  const deps = { ...t.deps, admission: { ...admission, admit } };
  workers = [createRunWorker(deps, t.blocking), createStepWorker(deps, t.blocking)];
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  await api.close();
  await t.close();
});

const definition = {
  steps: [{ key: 'echo', action: { app: 'core', version: '1', key: 'transform' }, input: { value: '{{ input }}' } }],
};
const KEY = '{{ input.customerId }}';

interface Trigger {
  tenant: TenantFixture;
  triggerId: string;
  secret: string;
}

/** A debounced webhook trigger, created as a tenant admin does: through the Hasura action. */
async function debouncedTrigger(windowMs: number, tenant?: TenantFixture): Promise<Trigger> {
  const owner = tenant ?? (await seedWorkflow(t.db.prisma, definition));
  const response = await api.app.inject({
    method: 'POST',
    url: '/hooks/hasura/actions/create-webhook-trigger',
    headers: { 'x-conveyor-hook-secret': TEST_HOOK_SECRET },
    payload: {
      action: { name: 'createWebhookTrigger' },
      input: { workflowId: owner.workflowId, debounce: { windowMs, key: KEY } },
      session_variables: {
        'x-hasura-role': 'tenant_admin',
        'x-hasura-user-id': owner.userId,
        'x-hasura-tenant-id': owner.tenantId,
      },
    },
  });
  expect(response.statusCode).toBe(200);
  return { tenant: owner, ...response.json() };
}

async function fire(trigger: Trigger, body: object, idempotencyKey?: string) {
  const headers = {
    'x-conveyor-trigger-secret': trigger.secret,
    ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
  };
  const sentAt = Date.now();
  const response = await api.app.inject({ method: 'POST', url: `/hooks/triggers/${trigger.triggerId}`, headers, payload: body });
  return { statusCode: response.statusCode, reply: response.json(), sentAt };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const runsOf = (tenant: TenantFixture) =>
  t.db.prisma.workflowRun.findMany({ where: { tenantId: tenant.tenantId }, orderBy: { createdAt: 'asc' } });
const finished = (runId: string) =>
  waitFor(
    () => t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId } }),
    (run) => run.status === 'SUCCEEDED' || run.status === 'FAILED',
    30_000,
    25,
  );

describe('a debounced webhook trigger', () => {
  it('collapses five calls of one key within the window into one run, started a window after the last, with the last input', async () => {
    const windowMs = 600;
    const trigger = await debouncedTrigger(windowMs);
    const calls = [];
    for (const n of [1, 2, 3, 4, 5]) {
      calls.push(await fire(trigger, { customerId: 'c-1', n }));
      if (n < 5) await sleep(100);
    }
    const runId = calls[0]?.reply.runId;
    expect(calls[0]).toMatchObject({ statusCode: 202, reply: { runId, status: 'QUEUED', created: true, debounced: false } });
    for (const later of calls.slice(1)) {
      expect(later).toMatchObject({ statusCode: 202, reply: { runId, status: 'QUEUED', created: false, debounced: true } });
    }
    const run = await finished(runId);
    expect(run).toMatchObject({ status: 'SUCCEEDED', input: { customerId: 'c-1', n: 5 }, output: { echo: { n: 5 } } });
    expect(run.startedAt?.getTime()).toBeGreaterThanOrEqual((calls[4]?.sentAt ?? 0) + windowMs - 5);
    expect(await runsOf(trigger.tenant)).toHaveLength(1);
  });

  it('gives each key a window of its own: two keys, two runs, each with the last input of its key', async () => {
    const trigger = await debouncedTrigger(500);
    const answers = [];
    for (const [customerId, n] of [
      ['c-1', 1],
      ['c-2', 2],
      ['c-1', 3],
      ['c-2', 4],
    ] as const) {
      answers.push((await fire(trigger, { customerId, n })).reply);
    }
    expect(answers.map((answer) => answer.debounced)).toEqual([false, false, true, true]);
    expect(answers[2].runId).toBe(answers[0].runId);
    expect(answers[3].runId).toBe(answers[1].runId);
    expect(answers[1].runId).not.toBe(answers[0].runId);
    expect(await finished(answers[0].runId)).toMatchObject({ status: 'SUCCEEDED', input: { customerId: 'c-1', n: 3 } });
    expect(await finished(answers[1].runId)).toMatchObject({ status: 'SUCCEEDED', input: { customerId: 'c-2', n: 4 } });
    expect(await runsOf(trigger.tenant)).toHaveLength(2);
  });

  it('starts a new run for a call that comes after its window’s run started, though the window is still open', async () => {
    const trigger = await debouncedTrigger(60_000);
    const first = (await fire(trigger, { customerId: 'c-1', n: 1 })).reply;
    // The run starts early (as the reconciler's repair would start it): its window in Redis is still open.
    await (await api.queues.runs.getJob(runJob.id(first.runId)))?.promote();
    expect(await finished(first.runId)).toMatchObject({ status: 'SUCCEEDED', input: { n: 1 }, output: { echo: { n: 1 } } });

    const late = await fire(trigger, { customerId: 'c-1', n: 2 });
    expect(late).toMatchObject({ statusCode: 202, reply: { created: true, debounced: false } });
    expect(late.reply.runId).not.toBe(first.runId);
    expect(await t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: late.reply.runId } })).toMatchObject({
      status: 'QUEUED',
      input: { n: 2 },
    });
    expect(await (await api.queues.runs.getJob(runJob.id(late.reply.runId)))?.isDelayed()).toBe(true);
  });

  it('gives a call that comes while the run job is starting the run a run of its own: the run keeps the input it read', async () => {
    const trigger = await debouncedTrigger(60_000);
    const { runId } = (await fire(trigger, { customerId: 'c-1', n: 1 })).reply;
    let during: Awaited<ReturnType<typeof fire>> | undefined;
    beforeStart.set(runId, async () => {
      during = await fire(trigger, { customerId: 'c-1', n: 2 });
    });
    // Started early, its window in Redis still open: the call finds the run, which has begun.
    await (await api.queues.runs.getJob(runJob.id(runId)))?.promote();
    expect(await finished(runId)).toMatchObject({ status: 'SUCCEEDED', input: { n: 1 }, output: { echo: { n: 1 } } });
    expect(during).toMatchObject({ statusCode: 202, reply: { created: true, debounced: false } });
    const own = during?.reply.runId;
    expect(own).not.toBe(runId);
    expect(await t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: own } })).toMatchObject({
      status: 'QUEUED',
      input: { n: 2 },
    });
  });

  it("never collapses one tenant's call into another tenant's run, even when its window names that run", async () => {
    const a = await debouncedTrigger(60_000);
    const b = await debouncedTrigger(60_000);
    const fromA = (await fire(a, { customerId: 'c-1', owner: 'a' })).reply;
    const fromB = (await fire(b, { customerId: 'c-1', owner: 'b' })).reply;
    expect(fromB).toMatchObject({ created: true, debounced: false });
    expect(fromB.runId).not.toBe(fromA.runId);
    // B's window pointed at A's run (a stale or forged entry): the run's own row refuses B's call.
    const window = { tenantId: b.tenant.tenantId, triggerId: b.triggerId, key: 'c-1' };
    await t.deps.producers.debounceWindows.hold(window, fromA.runId, 60_000);
    const forged = (await fire(b, { customerId: 'c-1', owner: 'b', n: 2 })).reply;
    expect(forged).toMatchObject({ created: true, debounced: false });
    expect(forged.runId).not.toBe(fromA.runId);
    const runsOfA = await runsOf(a.tenant);
    expect(runsOfA).toHaveLength(1);
    expect(runsOfA[0]).toMatchObject({ id: fromA.runId, input: { owner: 'a' } });
    expect((await runsOf(b.tenant)).every((run) => (run.input as { owner: string }).owner === 'b')).toBe(true);
  });

  it('answers a repeated Idempotency-Key with the run its call went into, before and after that run ran', async () => {
    const trigger = await debouncedTrigger(400);
    const first = await fire(trigger, { customerId: 'c-1', n: 1 }, 'delivery-1');
    const second = await fire(trigger, { customerId: 'c-1', n: 2 }, 'delivery-2');
    const { runId } = first.reply;
    expect(second).toMatchObject({ statusCode: 202, reply: { runId, debounced: true } });
    const replay = await fire(trigger, { customerId: 'c-1', n: 3 }, 'delivery-2');
    expect(replay).toMatchObject({ statusCode: 200, reply: { runId, status: 'QUEUED', created: false, debounced: false } });
    expect(await finished(runId)).toMatchObject({ status: 'SUCCEEDED', input: { n: 2 } });
    for (const key of ['delivery-1', 'delivery-2']) {
      const late = await fire(trigger, { customerId: 'c-1', n: 4 }, key);
      expect(late).toMatchObject({ statusCode: 200, reply: { runId, status: 'SUCCEEDED', created: false } });
    }
    expect(await runsOf(trigger.tenant)).toHaveLength(1);
  });

  it("is started by the reconciler when Redis lost its delayed run job (early), with the last call's input", async () => {
    const trigger = await debouncedTrigger(60_000);
    const { runId } = (await fire(trigger, { customerId: 'c-1', n: 1 })).reply;
    expect((await fire(trigger, { customerId: 'c-1', n: 2 })).reply).toMatchObject({ runId, debounced: true });
    await (await api.queues.runs.getJob(runJob.id(runId)))?.remove();
    await t.db.prisma.$executeRawUnsafe(
      `UPDATE "WorkflowRun" SET "updatedAt" = now() - interval '1 minute' WHERE id = $1::uuid`,
      runId,
    );
    expect(await reconcileOnce(t.deps, 5_000)).toMatchObject({ runJobsRestored: 1 });
    expect(await finished(runId)).toMatchObject({ status: 'SUCCEEDED', input: { n: 2 }, output: { echo: { n: 2 } } });
    // Its run job closed its window: the next call gets a run of its own.
    expect((await fire(trigger, { customerId: 'c-1', n: 3 })).reply).toMatchObject({ created: true, debounced: false });
  });

  it("loses no call at the window's edge: every run runs with the last input of the calls answered with it", async () => {
    const trigger = await debouncedTrigger(100);
    // Gaps around the window, so that calls meet run jobs as they start.
    const gaps = [0, 60, 95, 100, 105, 140, 30, 98, 102, 0];
    const answered: { n: number; runId: string; statusCode: number }[] = [];
    for (let n = 1; n <= 40; n++) {
      const { statusCode, reply } = await fire(trigger, { customerId: 'c-1', n });
      answered.push({ n, runId: reply.runId, statusCode });
      await sleep(gaps[n % gaps.length] ?? 0);
    }
    expect(answered.every((call) => call.statusCode === 202)).toBe(true);
    const runIds = [...new Set(answered.map((call) => call.runId))];
    expect(runIds.length).toBeGreaterThan(1);
    for (const runId of runIds) {
      const last = Math.max(...answered.filter((call) => call.runId === runId).map((call) => call.n));
      const run = await finished(runId);
      expect(run, `run ${runId}`).toMatchObject({ status: 'SUCCEEDED', input: { n: last }, output: { echo: { n: last } } });
    }
    expect(await runsOf(trigger.tenant)).toHaveLength(runIds.length);
  });
});

import { stepJob } from '@conveyor/queue';
import { insertRun, seedWorkflow, waitFor } from '@conveyor/testing';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkerDeps, type TestWorkerDeps } from '../../test/test-worker';
import { reconcileOnce } from '../reconciler/reconciler';
import { createRunWorker } from '../runs/run.worker';
import { createStepWorker } from './step.worker';

let t: TestWorkerDeps;
let workers: Worker[];
beforeAll(async () => {
  t = await createTestWorkerDeps('wait-for-event');
  workers = [createRunWorker(t.deps, t.blocking), createStepWorker(t.deps, t.blocking)];
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  await t.close();
});

const core = (key: string) => ({ app: 'core', version: '1', key });
/** Waits for `order.approved` of the run's order, then says who approved it. */
const approval = (wait: object = {}) => ({
  steps: [
    { key: 'wait', action: core('waitForEvent'), input: { event: 'order.approved', key: '{{ input.orderId }}', ...wait } },
    { key: 'after', action: core('transform'), input: { value: '{{ steps.wait.output.by }}' }, dependsOn: ['wait'] },
  ],
});

async function start(definition: object, input: object, fixture?: Awaited<ReturnType<typeof seedWorkflow>>) {
  const seeded = fixture ?? (await seedWorkflow(t.db.prisma, definition));
  const runId = await insertRun(t.db.prisma, seeded, input);
  await t.deps.runs.dispatch({ tenantId: seeded.tenantId, runId });
  return { ...seeded, runId };
}

const readRun = (runId: string) =>
  t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId }, include: { stepRuns: { include: { wait: true } } } });
const finished = (runId: string, timeoutMs = 15_000) =>
  waitFor(
    () => readRun(runId),
    (run) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status),
    timeoutMs,
  );
/** The run once its wait step is waiting: QUEUED, its job delayed. */
async function waiting(runId: string) {
  const run = await waitFor(
    () => readRun(runId),
    (found) => found.stepRuns.some((step) => step.stepKey === 'wait' && step.status === 'QUEUED' && step.wait !== null),
    15_000,
  );
  const step = run.stepRuns.find((candidate) => candidate.stepKey === 'wait');
  return { run, step, jobState: await t.deps.queues.steps.getJobState(step?.jobId ?? '') };
}

describe('a step waiting for an event', () => {
  it('waits as a delayed job, then takes the event’s payload as its output', async () => {
    const { runId, tenantId } = await start(approval(), { orderId: 'o-1' });
    const { step, jobState } = await waiting(runId);
    expect(jobState).toBe('delayed'); // no worker holds it
    expect(step?.wait).toMatchObject({ event: 'order.approved', key: 'o-1', receivedAt: null });
    const sent = await t.deps.runs.sendEvent({ tenantId, event: 'order.approved', key: 'o-1' }, { payload: { by: 'ada' } });
    expect(sent).toMatchObject({ delivered: true, runId });
    const run = await finished(runId);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.stepRuns.find((s) => s.stepKey === 'wait')?.output).toEqual({ by: 'ada' });
    expect(run.stepRuns.find((s) => s.stepKey === 'after')?.output).toBe('ada');
  });

  it('takes an event sent before it began waiting, kept for it', async () => {
    const fixture = await seedWorkflow(t.db.prisma, approval());
    const kept = await t.deps.runs.sendEvent(
      { tenantId: fixture.tenantId, event: 'order.approved', key: 'early' },
      { payload: { by: 'grace' } },
    );
    expect(kept.delivered).toBe(false);
    const { runId } = await start(approval(), { orderId: 'early' }, fixture);
    const run = await finished(runId);
    expect(run.stepRuns.find((s) => s.stepKey === 'after')?.output).toBe('grace');
    expect(await t.db.prisma.workflowEvent.count({ where: { tenantId: fixture.tenantId } })).toBe(0); // taken
  });

  it('gives each event to the step that has waited longest, one event per wait', async () => {
    const fixture = await seedWorkflow(t.db.prisma, approval());
    const first = await start(approval(), { orderId: 'shared' }, fixture);
    await waiting(first.runId);
    const second = await start(approval(), { orderId: 'shared' }, fixture);
    await waiting(second.runId);
    const address = { tenantId: fixture.tenantId, event: 'order.approved', key: 'shared' };
    expect(await t.deps.runs.sendEvent(address, { payload: { by: 'one' } })).toMatchObject({ runId: first.runId });
    expect(await t.deps.runs.sendEvent(address, { payload: { by: 'two' } })).toMatchObject({ runId: second.runId });
    expect((await finished(first.runId)).stepRuns.find((s) => s.stepKey === 'after')?.output).toBe('one');
    expect((await finished(second.runId)).stepRuns.find((s) => s.stepKey === 'after')?.output).toBe('two');
  });

  it('never takes another tenant’s event, whatever its name and key', async () => {
    const mine = await start(approval({ timeoutMs: 1_500, onTimeout: 'continue', default: { by: 'nobody' } }), { orderId: 'x' });
    await waiting(mine.runId);
    const other = await seedWorkflow(t.db.prisma, approval());
    const sent = await t.deps.runs.sendEvent(
      { tenantId: other.tenantId, event: 'order.approved', key: 'x' },
      { payload: { by: 'eve' } },
    );
    expect(sent.delivered).toBe(false);
    const run = await finished(mine.runId);
    expect(run.stepRuns.find((s) => s.stepKey === 'after')?.output).toBe('nobody');
  });

  it('fails when its time is up with onTimeout fail, naming the event', async () => {
    const { runId } = await start(approval({ timeoutMs: 1_000 }), { orderId: 'late' });
    const run = await finished(runId);
    expect(run.status).toBe('FAILED');
    expect(run.stepRuns.find((s) => s.stepKey === 'wait')?.error).toMatchObject({
      message: 'no event "order.approved" with key "late" came within 1000 ms',
    });
  });

  it('is woken by the reconciler when Redis lost its job, and still gets its event', async () => {
    const { runId, tenantId } = await start(approval(), { orderId: 'lost' });
    const { step } = await waiting(runId);
    await t.deps.queues.steps.remove(step?.jobId as string);
    expect(step?.jobId?.startsWith(stepJob.idPrefix)).toBe(true);
    await t.deps.runs.sendEvent({ tenantId, event: 'order.approved', key: 'lost' }, { payload: { by: 'reconciler' } });
    await t.db.prisma.stepRun.update({ where: { id: step?.id }, data: { updatedAt: new Date(Date.now() - 60_000) } });
    const repairs = await reconcileOnce(t.deps, 1_000);
    expect(repairs.stepJobsRestored).toBeGreaterThanOrEqual(1);
    const run = await finished(runId);
    expect(run.stepRuns.find((s) => s.stepKey === 'after')?.output).toBe('reconciler');
  });

  it('gives its run’s tenant slot back while it waits, and takes one again before it resumes', async () => {
    const fixture = await seedWorkflow(t.db.prisma, approval());
    await t.db.prisma.tenant.update({ where: { id: fixture.tenantId }, data: { maxConcurrentRuns: 1 } });
    const waiter = await start(approval(), { orderId: 'slot' }, fixture);
    await waiting(waiter.runId);
    // The tenant's only slot is free while the run waits: another run of the tenant starts and holds it.
    const holderVersion = await t.db.prisma.workflowVersion.create({
      data: {
        tenantId: fixture.tenantId,
        workflowId: fixture.workflowId,
        version: 2,
        definition: { steps: [{ key: 'hold', action: core('delay'), input: { ms: 1_000 } }] },
      },
    });
    await t.db.prisma.workflow.update({ where: { id: fixture.workflowId }, data: { currentVersionId: holderVersion.id } });
    const holder = await start({}, {}, fixture);
    await waitFor(
      () => readRun(holder.runId),
      (run) => run.status === 'RUNNING',
      10_000,
    );
    await t.deps.runs.sendEvent({ tenantId: fixture.tenantId, event: 'order.approved', key: 'slot' }, { payload: { by: 'x' } });
    const [held, resumed] = [await finished(holder.runId), await finished(waiter.runId)];
    expect([held.status, resumed.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    // The waiting run resumed only once the holder had given the slot back.
    expect(resumed.finishedAt?.getTime() ?? 0).toBeGreaterThanOrEqual(held.finishedAt?.getTime() ?? 0);
  });
});

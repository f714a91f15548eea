import { startRun } from '@conveyor/db';
import { workflowDefinitionSchema } from '@conveyor/engine';
import { runJob, runTimeoutJob } from '@conveyor/queue';
import { insertRun, seedWorkflow, waitFor } from '@conveyor/testing';
import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkerDeps, type TestWorkerDeps } from '../../test/test-worker';
import { createStepWorker } from '../steps/step.worker';
import { reconcileOnce } from './reconciler';

let t: TestWorkerDeps;
beforeAll(async () => {
  t = await createTestWorkerDeps('abandoned');
});
afterAll(async () => {
  await t.close();
});

const noop = (key: string, attempts: number, dependsOn: string[] = []) => ({
  key,
  action: { app: 'core', version: '1', key: 'noop' },
  retry: { attempts, backoff: 'fixed', delayMs: 10 },
  dependsOn,
});
const age = (table: 'WorkflowRun' | 'StepRun', id: string) =>
  t.db.prisma.$executeRawUnsafe(`UPDATE "${table}" SET "updatedAt" = now() - interval '1 minute' WHERE id = $1::uuid`, id);

/** A started run whose first step is RUNNING (attempt 1) under a job that no worker holds any more. */
async function runWithAbandonedStep(definition: object, job: 'missing' | 'failed') {
  const parsed = workflowDefinitionSchema.parse(definition);
  const fixture = await seedWorkflow(t.db.prisma, parsed);
  const ref = { tenantId: fixture.tenantId, runId: await insertRun(t.db.prisma, fixture) };
  expect((await t.deps.runs.dispatch(ref)).kind).toBe('queued');
  const [first] = (await startRun(t.deps.pool, ref, parsed)).queued;
  if (!first) throw new Error('no first step');
  await t.db.prisma.stepRun.update({ where: { id: first.stepRunId }, data: { status: 'RUNNING', attempt: 1 } });
  if (job === 'failed') await failJob(first.jobId);
  await age('StepRun', first.stepRunId);
  return { ref, first };
}

/** The job fails for good on a worker that is then gone, as BullMQ fails a job that stalled too often. */
async function failJob(jobId: string) {
  await t.deps.queues.steps.add('fixture / first', {}, { jobId });
  const doomed = new Worker(
    t.deps.queues.steps.name,
    async () => {
      throw new UnrecoverableError('job stalled more than allowable limit');
    },
    { connection: t.blocking, prefix: t.config.redis.queuePrefix },
  );
  await waitFor(
    () => t.deps.queues.steps.getJobState(jobId),
    (state) => state === 'failed',
    5_000,
  );
  await doomed.close();
}

const runOf = (runId: string) => t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId }, include: { stepRuns: true } });

describe('the reconciler and abandoned work', () => {
  it('retries a RUNNING step whose job failed for good under a new job, recording the lost attempt, and the run finishes', async () => {
    const { ref, first } = await runWithAbandonedStep({ steps: [noop('first', 3), noop('second', 1, ['first'])] }, 'failed');
    const repairs = await reconcileOnce(t.deps, 5_000);
    expect(repairs).toMatchObject({ stepsAbandoned: 1, failed: 0 });
    const step = await t.db.prisma.stepRun.findUniqueOrThrow({ where: { id: first.stepRunId } });
    expect(step).toMatchObject({ status: 'QUEUED', attempt: 1, jobId: `step-${first.stepRunId}-1` });
    expect(step.attemptErrors).toEqual([expect.objectContaining({ code: 'WORKER_LOST', attempt: 1 })]);
    const job = await t.deps.queues.steps.getJob(`step-${first.stepRunId}-1`);
    expect(job?.opts.attempts).toBe(2); // the policy's 3, less the attempt that was lost

    const worker = createStepWorker(t.deps, t.blocking);
    try {
      const run = await waitFor(
        () => runOf(ref.runId),
        (current) => current.status === 'SUCCEEDED',
        10_000,
      );
      expect(run.stepRuns.find((s) => s.stepKey === 'first')).toMatchObject({ status: 'SUCCEEDED', attempt: 2 });
    } finally {
      await worker.close();
    }
    expect(await reconcileOnce(t.deps, 5_000)).toMatchObject({ stepsAbandoned: 0 });
  });

  it('fails a RUNNING step whose job Redis lost once its retry policy is spent, and the run with it', async () => {
    const { ref, first } = await runWithAbandonedStep({ steps: [noop('first', 1), noop('second', 1, ['first'])] }, 'missing');
    const run = await expectLostAndFailed(ref.runId, first.stepRunId);
    expect(run.stepRuns.find((s) => s.stepKey === 'second')?.status).toBe('SKIPPED');
  });

  it("looks for a first step's run job in the runs queue: left alone while it waits, recovered once it failed", async () => {
    const parsed = workflowDefinitionSchema.parse({ steps: [noop('first', 1), noop('second', 1, ['first'])] });
    const fixture = await seedWorkflow(t.db.prisma, parsed);
    const ref = { tenantId: fixture.tenantId, runId: await insertRun(t.db.prisma, fixture) };
    await t.deps.runs.dispatch(ref); // adds the run job, which no worker takes here
    const jobId = runJob.id(ref.runId);
    const [first] = (await startRun(t.deps.pool, ref, parsed, { stepKey: 'first', jobId })).queued;
    if (!first) throw new Error('no first step');
    await age('StepRun', first.stepRunId);
    expect(await reconcileOnce(t.deps, 5_000)).toMatchObject({ stepsAbandoned: 0 });
    expect((await t.db.prisma.stepRun.findUniqueOrThrow({ where: { id: first.stepRunId } })).status).toBe('RUNNING');

    await t.deps.queues.runs.remove(jobId); // gone, as a job that failed for good and was removed, or that Redis lost
    await expectLostAndFailed(ref.runId, first.stepRunId);
  });

  it('leaves a RUNNING step alone while its job is active or waiting (a long action)', async () => {
    const { first } = await runWithAbandonedStep({ steps: [noop('first', 1)] }, 'missing');
    await t.deps.queues.steps.add('fixture / first', {}, { jobId: first.jobId, delay: 60_000 });
    expect(await reconcileOnce(t.deps, 5_000)).toMatchObject({ stepsAbandoned: 0 });
    expect((await t.db.prisma.stepRun.findUniqueOrThrow({ where: { id: first.stepRunId } })).status).toBe('RUNNING');
  });

  it('plans a RUNNING run again when nothing is in flight, and arms a lost run-timeout job for the time left', async () => {
    const definition = { timeoutMs: 3_600_000, steps: [noop('first', 1), noop('second', 1, ['first'])] };
    const { ref, first } = await runWithAbandonedStep(definition, 'missing');
    // The worker recorded the success, then died before planning: no job, nothing in flight.
    await t.db.prisma.stepRun.update({ where: { id: first.stepRunId }, data: { status: 'SUCCEEDED', output: {} } });
    await t.db.prisma.$executeRawUnsafe(
      `UPDATE "WorkflowRun" SET "updatedAt" = now() - interval '1 minute', "startedAt" = now() - interval '1 minute' WHERE id = $1::uuid`,
      ref.runId,
    );
    const repairs = await reconcileOnce(t.deps, 5_000);
    expect(repairs).toMatchObject({ runsReplanned: 1, timeoutsRestored: 1 });
    const run = await runOf(ref.runId);
    expect(run.stepRuns.find((s) => s.stepKey === 'second')?.status).toBe('QUEUED');
    const timeout = await t.deps.queues.runs.getJob(runTimeoutJob.id(ref.runId));
    expect(timeout?.opts.delay).toBeGreaterThan(3_500_000);
    expect(timeout?.opts.delay).toBeLessThan(3_600_000);
  });

  it('re-arms the lost job of a waiting step (a delay) for the time left, not the whole wait', async () => {
    const parsed = workflowDefinitionSchema.parse({
      steps: [{ key: 'pause', action: { app: 'core', version: '1', key: 'delay' }, input: { ms: 60_000 } }],
    });
    const fixture = await seedWorkflow(t.db.prisma, parsed);
    const ref = { tenantId: fixture.tenantId, runId: await insertRun(t.db.prisma, fixture) };
    await t.deps.runs.dispatch(ref);
    const [pause] = (await startRun(t.deps.pool, ref, parsed)).queued;
    if (!pause) throw new Error('no step');
    // The step started waiting 30 s ago for 60 s (recordWait keeps the due time); then Redis lost its job.
    const dueAt = Date.now() + 30_000;
    await t.db.prisma.stepRun.update({ where: { id: pause.stepRunId }, data: { resumeAt: new Date(dueAt) } });
    await age('StepRun', pause.stepRunId);
    expect(await reconcileOnce(t.deps, 5_000)).toMatchObject({ stepJobsRestored: 1 });
    const job = await t.deps.queues.steps.getJob(pause.jobId);
    expect(job?.data).toMatchObject({ stepRunId: pause.stepRunId, resumeAt: dueAt });
    expect(await job?.getState()).toBe('delayed');
    expect(job?.opts.delay).toBeGreaterThan(25_000);
    expect(job?.opts.delay).toBeLessThanOrEqual(30_000);
  });

  it('runs every other repair when one fails, and counts the failure', async () => {
    await runWithAbandonedStep({ steps: [noop('first', 1)] }, 'missing'); // its repair needs the (broken) queue
    const fixture = await seedWorkflow(t.db.prisma, { steps: [noop('only', 1)] });
    const stale = await insertRun(t.db.prisma, fixture);
    await age('WorkflowRun', stale);
    const broken = { ...t.deps, queues: { ...t.deps.queues, steps: brokenQueue() } };
    const repairs = await reconcileOnce(broken as typeof t.deps, 5_000);
    expect(repairs.dispatched).toBe(1);
    expect(repairs.failed).toBeGreaterThanOrEqual(1);
    const failures = await t.registry.getSingleMetricAsString('conveyor_reconciler_failures_total');
    expect(failures).toMatch(/kind="stepsAbandoned"[^}]*} [1-9]/);
    const repaired = await t.registry.getSingleMetricAsString('conveyor_reconciler_repairs_total');
    expect(repaired).toMatch(/kind="dispatched"[^}]*} [1-9]/);
  });
});

/** One reconciler pass fails the abandoned step (its one attempt lost) and the run with it. */
async function expectLostAndFailed(runId: string, stepRunId: string) {
  expect(await reconcileOnce(t.deps, 5_000)).toMatchObject({ stepsAbandoned: 1 });
  const run = await runOf(runId);
  expect(run.status).toBe('FAILED');
  expect(run.stepRuns.find((s) => s.id === stepRunId)).toMatchObject({
    status: 'FAILED',
    error: expect.objectContaining({ code: 'WORKER_LOST', attempt: 1, retryable: false }),
  });
  return run;
}

/** A steps queue whose Redis calls all fail, as during an outage. */
function brokenQueue() {
  const fail = () => Promise.reject(new Error('connection lost'));
  return { ...t.deps.queues.steps, name: t.deps.queues.steps.name, getJobState: fail, remove: fail, getJob: fail } as never;
}

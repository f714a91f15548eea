import { type WorkflowDefinition, workflowDefinitionSchema } from '@conveyor/engine';
import { createTestDatabase, insertRun, seedWorkflow, type TestDatabase } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchRun, finishStep, type QueuedStep, replanRun, rerunRun, startRun, stopRun } from './index';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('run_progress');
});
afterAll(async () => {
  await db.drop();
});

const transform = (key: string, dependsOn: string[] = []) => ({
  key,
  action: { app: 'core', version: '1', key: 'transform' },
  input: { value: key },
  dependsOn,
});

/** `width` parallel steps after `start`, joined by `join`. */
function fanOut(width: number): WorkflowDefinition {
  const branches = Array.from({ length: width }, (_, index) => transform(`b${index}`, ['start']));
  return workflowDefinitionSchema.parse({
    steps: [
      transform('start'),
      ...branches,
      transform(
        'join',
        branches.map((branch) => branch.key),
      ),
    ],
  });
}

async function startedRun(definition: WorkflowDefinition) {
  const fixture = await seedWorkflow(db.prisma, definition);
  const runId = await insertRun(db.prisma, fixture);
  const ref = { tenantId: fixture.tenantId, runId };
  expect((await dispatchRun(db.pool, ref)).kind).toBe('queued');
  const progress = await startRun(db.pool, ref, definition);
  return { ref, progress };
}

/** The step's row moved to RUNNING, as startStepAttempt does. */
async function markRunning(stepRunIds: string[]) {
  await db.prisma.stepRun.updateMany({ where: { id: { in: stepRunIds } }, data: { status: 'RUNNING', attempt: 1 } });
}

async function stepIds(runId: string): Promise<Record<string, string>> {
  const rows = await db.prisma.stepRun.findMany({ where: { workflowRunId: runId }, select: { id: true, stepKey: true } });
  return Object.fromEntries(rows.map((row) => [row.stepKey, row.id]));
}

const succeeded = (key: string) => ({ status: 'SUCCEEDED' as const, output: { from: key } });

describe('run progress without a lock', () => {
  it('starts a fresh run with its root steps queued, once', async () => {
    const definition = fanOut(2);
    const { ref, progress } = await startedRun(definition);
    expect(progress).toMatchObject({ applied: true, finished: null });
    expect(progress.queued.map((step) => step.stepKey)).toEqual(['start']);
    expect(progress.queued[0]?.jobId).toBe(`step-${progress.queued[0]?.stepRunId}-0`);
    // The same run job again (a duplicate, or handed out again after a crash) queues nothing new.
    expect(await startRun(db.pool, ref, definition)).toEqual({ applied: true, queued: [], finished: null });
    expect(await db.prisma.stepRun.count({ where: { workflowRunId: ref.runId } })).toBe(1);
  });

  it('queues the join exactly once when all parallel branches finish at the same moment', async () => {
    const width = 12;
    const definition = fanOut(width);
    for (let round = 0; round < 5; round++) {
      const { ref, progress } = await startedRun(definition);
      const start = progress.queued[0] as QueuedStep;
      await markRunning([start.stepRunId]);
      const afterStart = await finishStep(db.pool, { ...ref, ...start, attempt: 1 }, definition, succeeded('start'));
      expect(afterStart.queued).toHaveLength(width);
      await markRunning(afterStart.queued.map((step) => step.stepRunId));

      const reports = await Promise.all(
        afterStart.queued.map((step) =>
          finishStep(db.pool, { ...ref, ...step, attempt: 1 }, definition, succeeded(step.stepKey)),
        ),
      );
      const joins = reports.flatMap((report) => report.queued);
      expect(joins.map((step) => step.stepKey)).toEqual(['join']);
      expect(reports.every((report) => report.applied && report.finished === null)).toBe(true);
      const join = await db.prisma.stepRun.findFirstOrThrow({ where: { workflowRunId: ref.runId, stepKey: 'join' } });
      expect(join.status).toBe('QUEUED');
    }
  });

  it('finishes the run exactly once when its two leaves finish at the same moment, with both outputs', async () => {
    const definition = workflowDefinitionSchema.parse({ steps: [transform('a'), transform('b')] });
    const { ref, progress } = await startedRun(definition);
    await markRunning(progress.queued.map((step) => step.stepRunId));
    const reports = await Promise.all(
      progress.queued.map((step) => finishStep(db.pool, { ...ref, ...step, attempt: 1 }, definition, succeeded(step.stepKey))),
    );
    expect(reports.map((report) => report.finished).filter(Boolean)).toEqual(['SUCCEEDED']);
    const run = await db.prisma.workflowRun.findUniqueOrThrow({ where: { id: ref.runId } });
    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { a: { from: 'a' }, b: { from: 'b' } }, error: null });
  });

  it('names the failed steps in the run’s error', async () => {
    const definition = workflowDefinitionSchema.parse({ steps: [transform('a'), transform('b', ['a'])] });
    const { ref, progress } = await startedRun(definition);
    const a = progress.queued[0] as QueuedStep;
    await markRunning([a.stepRunId]);
    const error = { code: 'ACTION_FAILED' as const, message: 'boom', attempt: 1, retryable: false };
    const report = await finishStep(db.pool, { ...ref, ...a, attempt: 1 }, definition, { status: 'FAILED', error });
    expect(report).toMatchObject({ applied: true, queued: [], finished: 'FAILED' });
    const run = await db.prisma.workflowRun.findUniqueOrThrow({ where: { id: ref.runId } });
    expect(run.error).toEqual({ code: 'STEP_FAILED', message: 'failed steps: a', failedSteps: ['a'] });
    const b = await db.prisma.stepRun.findFirstOrThrow({ where: { workflowRunId: ref.runId, stepKey: 'b' } });
    expect(b.status).toBe('SKIPPED');
  });

  it('refuses a repeated or late report, and one naming another tenant', async () => {
    const definition = workflowDefinitionSchema.parse({ steps: [transform('a'), transform('b', ['a'])] });
    const { ref, progress } = await startedRun(definition);
    const a = { ...ref, ...(progress.queued[0] as QueuedStep), attempt: 1 };
    const other = await startedRun(definition);

    // QUEUED, not RUNNING: a success cannot be reported for a step that never started.
    expect((await finishStep(db.pool, a, definition, succeeded('a'))).applied).toBe(false);
    await markRunning([a.stepRunId]);
    const crossTenant = { ...a, tenantId: other.ref.tenantId };
    expect((await finishStep(db.pool, crossTenant, definition, succeeded('a'))).applied).toBe(false);
    expect((await db.prisma.stepRun.findUniqueOrThrow({ where: { id: a.stepRunId } })).status).toBe('RUNNING');

    expect((await finishStep(db.pool, a, definition, succeeded('a'))).queued).toHaveLength(1);
    expect(await finishStep(db.pool, a, definition, succeeded('a'))).toEqual({
      applied: false,
      queued: [],
      finished: null,
    });
    expect(await db.prisma.stepRun.count({ where: { workflowRunId: ref.runId } })).toBe(2);
  });

  it('resumes a run whose worker died between recording a step and planning the next one', async () => {
    const definition = workflowDefinitionSchema.parse({ steps: [transform('a'), transform('b', ['a'])] });
    const { ref, progress } = await startedRun(definition);
    const a = progress.queued[0]?.stepRunId as string;
    // The outcome is committed, and nothing else happened: the worker stopped here.
    await db.prisma.stepRun.update({ where: { id: a }, data: { status: 'SUCCEEDED', output: { from: 'a' } } });

    const resumed = await replanRun(db.pool, ref, definition);
    expect(resumed.queued.map((step) => step.stepKey)).toEqual(['b']);
    expect(await replanRun(db.pool, ref, definition)).toEqual({ applied: true, queued: [], finished: null });
    expect((await stepIds(ref.runId)).b).toBe(resumed.queued[0]?.stepRunId);
    // Another tenant's id resumes nothing.
    const other = await startedRun(definition);
    expect((await replanRun(db.pool, { tenantId: other.ref.tenantId, runId: ref.runId }, definition)).applied).toBe(false);
  });

  it('walks a chain with one statement per step: each success queues the next, the last finishes the run', async () => {
    const definition = workflowDefinitionSchema.parse({ steps: [transform('a'), transform('b', ['a']), transform('c', ['b'])] });
    const { ref, progress } = await startedRun(definition);
    let current = progress.queued[0] as QueuedStep;
    for (const next of ['b', 'c']) {
      await markRunning([current.stepRunId]);
      const report = await finishStep(db.pool, { ...ref, ...current, attempt: 1 }, definition, succeeded(current.stepKey));
      expect(report).toMatchObject({ applied: true, finished: null, queued: [{ stepKey: next }] });
      current = report.queued[0] as QueuedStep;
    }
    await markRunning([current.stepRunId]);
    expect(await finishStep(db.pool, { ...ref, ...current, attempt: 1 }, definition, succeeded('c'))).toEqual({
      applied: true,
      queued: [],
      finished: 'SUCCEEDED',
    });
    const run = await db.prisma.workflowRun.findUniqueOrThrow({ where: { id: ref.runId } });
    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { c: { from: 'c' } } });
    expect(run.finishedAt).not.toBeNull();
  });

  it('queues nothing after a step of a cancelled run, and leaves the cancelled run as it is', async () => {
    const definition = workflowDefinitionSchema.parse({ steps: [transform('a'), transform('b', ['a'])] });
    const { ref, progress } = await startedRun(definition);
    const a = { ...ref, ...(progress.queued[0] as QueuedStep), attempt: 1 };
    await markRunning([a.stepRunId]);
    await db.prisma.workflowRun.update({ where: { id: ref.runId }, data: { status: 'CANCELLED' } });
    expect(await finishStep(db.pool, a, definition, succeeded('a'))).toEqual({ applied: true, queued: [], finished: null });
    expect(await db.prisma.stepRun.count({ where: { workflowRunId: ref.runId } })).toBe(1);
    expect((await db.prisma.workflowRun.findUniqueOrThrow({ where: { id: ref.runId } })).status).toBe('CANCELLED');
    expect((await stopRun(db.pool, ref, { status: 'CANCELLED', code: 'CANCELLED', message: 'again' })).applied).toBe(false);
  });

  it('plans in full when a rerun kept the next step’s result, and finishes the run', async () => {
    const definition = workflowDefinitionSchema.parse({ steps: [transform('a'), transform('b', ['a'])] });
    const { ref, progress } = await startedRun(definition);
    const a = { ...ref, ...(progress.queued[0] as QueuedStep), attempt: 1 };
    // b already succeeded in an earlier generation; a runs again (a rerun from a continueOnError failure).
    await db.prisma.stepRun.create({
      data: { tenantId: ref.tenantId, workflowRunId: ref.runId, stepKey: 'b', status: 'SUCCEEDED', output: { from: 'b' } },
    });
    await markRunning([a.stepRunId]);
    expect(await finishStep(db.pool, a, definition, succeeded('a'))).toEqual({
      applied: true,
      queued: [],
      finished: 'SUCCEEDED',
    });
    const run = await db.prisma.workflowRun.findUniqueOrThrow({ where: { id: ref.runId } });
    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { b: { from: 'b' } } });
  });

  it('starts the next step at once, under the caller’s job, when the caller carries on with it', async () => {
    const definition = workflowDefinitionSchema.parse({ steps: [transform('a'), transform('b', ['a'])] });
    const { ref, progress } = await startedRun(definition);
    const a = { ...ref, ...(progress.queued[0] as QueuedStep), attempt: 1 };
    await markRunning([a.stepRunId]);
    const report = await finishStep(db.pool, a, definition, succeeded('a'), { stepKey: 'b', jobId: a.jobId });
    expect(report.queued).toEqual([expect.objectContaining({ stepKey: 'b', jobId: a.jobId, started: true })]);
    const b = await db.prisma.stepRun.findFirstOrThrow({ where: { workflowRunId: ref.runId, stepKey: 'b' } });
    expect(b).toMatchObject({ status: 'RUNNING', attempt: 1, jobId: a.jobId });
    expect(b.startedAt).not.toBeNull();
  });

  it('fences every outcome write to its attempt: a late result after a stop and a rerun changes nothing', async () => {
    const definition = workflowDefinitionSchema.parse({ steps: [transform('a'), transform('b', ['a'])] });
    const { ref, progress } = await startedRun(definition);
    const late = { ...ref, ...(progress.queued[0] as QueuedStep), attempt: 1 };
    await markRunning([late.stepRunId]);
    // The run times out while attempt 1 is still running, is retried, and attempt 2 starts under a new job.
    await stopRun(db.pool, ref, { status: 'FAILED', code: 'RUN_TIMEOUT', message: 'run exceeded its timeout' });
    expect((await rerunRun(db.pool, ref)).applied).toBe(true);
    const [requeued] = (await startRun(db.pool, ref, definition)).queued;
    expect(requeued?.jobId).not.toBe(late.jobId);
    await db.prisma.stepRun.update({ where: { id: late.stepRunId }, data: { status: 'RUNNING', attempt: 2 } });

    // Attempt 1's result arrives now: neither a success nor a failure is recorded as attempt 2's.
    expect((await finishStep(db.pool, late, definition, succeeded('a'))).applied).toBe(false);
    const failure = { code: 'ACTION_FAILED' as const, message: 'late', attempt: 1, retryable: false };
    expect((await finishStep(db.pool, late, definition, { status: 'FAILED', error: failure })).applied).toBe(false);
    const row = await db.prisma.stepRun.findUniqueOrThrow({ where: { id: late.stepRunId } });
    expect(row).toMatchObject({ status: 'RUNNING', attempt: 2, output: null, jobId: requeued?.jobId });
    // Attempt 2, under its own job, is recorded.
    const current = { ...late, attempt: 2, jobId: requeued?.jobId as string };
    expect(await finishStep(db.pool, current, definition, succeeded('a'))).toMatchObject({
      applied: true,
      queued: [{ stepKey: 'b' }],
    });
  });
});

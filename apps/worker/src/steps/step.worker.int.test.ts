import { type Action, defineAction } from '@conveyor/actions';
import { dispatchRun, type QueuedStep, startRun } from '@conveyor/db';
import { workflowDefinitionSchema } from '@conveyor/engine';
import { runJob, stepJob } from '@conveyor/queue';
import { insertRun, seedWorkflow, waitFor } from '@conveyor/testing';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestWorkerDeps, storeConnection, type TestWorkerDeps } from '../../test/test-worker';
import { createRunWorker } from '../runs/run.worker';
import { createStepWorker } from './step.worker';

// A test-only action that reports what the worker handed it: the connection and the context.
const whoAmI: Action = defineAction({
  ref: { app: 'test', version: '1', key: 'who-am-i' },
  name: 'Who am I',
  description: 'Echoes the context the worker built',
  inputSchema: z.object({}).passthrough(),
  async execute(input, ctx) {
    return {
      kind: 'output',
      output: { input, connection: ctx.connection ?? null, attempt: ctx.attempt, key: ctx.idempotencyKey },
    };
  },
});

let t: TestWorkerDeps;
let workers: Worker[];
beforeAll(async () => {
  t = await createTestWorkerDeps('execute-step', {}, [whoAmI]);
  workers = [createRunWorker(t.deps, t.blocking), createStepWorker(t.deps, t.blocking)];
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  await t.close();
});

async function runToEnd(definition: object, tenant?: Awaited<ReturnType<typeof seedWorkflow>>) {
  const fixture = tenant ?? (await seedWorkflow(t.db.prisma, definition));
  const runId = await insertRun(t.db.prisma, fixture, { who: 'me' });
  await t.deps.runs.dispatch({ tenantId: fixture.tenantId, runId });
  return waitFor(
    () => t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId }, include: { stepRuns: true } }),
    (run) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status),
    15_000,
  );
}

const step = (connectionId: string) => ({
  key: 'probe',
  action: { app: 'test', version: '1', key: 'who-am-i' },
  input: { who: '{{ input.who }}' },
  connectionId,
});

/** A dispatched (QUEUED) run of two transforms, its job not added. */
async function dispatchedTwoStepRun() {
  const definition = workflowDefinitionSchema.parse({
    steps: [
      { key: 'first', action: { app: 'core', version: '1', key: 'transform' }, input: { value: 1 } },
      { key: 'second', action: { app: 'core', version: '1', key: 'transform' }, input: { value: 2 }, dependsOn: ['first'] },
    ],
  });
  const fixture = await seedWorkflow(t.db.prisma, definition);
  const ref = { tenantId: fixture.tenantId, runId: await insertRun(t.db.prisma, fixture) };
  await dispatchRun(t.deps.pool, ref);
  return { definition, fixture, ref };
}

/** A started run of two transforms whose first step has SUCCEEDED without anything after it. */
async function runWithFirstStepDone() {
  const { definition, fixture, ref } = await dispatchedTwoStepRun();
  const [first] = (await startRun(t.deps.pool, ref, definition)).queued;
  if (!first) throw new Error('the first step was not queued');
  await t.db.prisma.stepRun.update({ where: { id: first.stepRunId }, data: { status: 'SUCCEEDED', attempt: 1, output: 1 } });
  return { ref, first, fixture };
}

/** The first step's job, added again as BullMQ does for a stalled job; resolves when the run has succeeded. */
async function handOutAgain(ref: { tenantId: string; runId: string }, first: QueuedStep, workflowVersionId: string) {
  const retry = { backoff: 'fixed' as const, delayMs: 0, maxDelayMs: 0, jitter: 0 };
  await t.deps.producers.enqueueSteps([{ ...ref, ...first, workflowVersionId, jobName: 'fixture / first', attempts: 1, retry }]);
  return waitFor(
    () => t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: ref.runId }, include: { stepRuns: true } }),
    (current) => current.status === 'SUCCEEDED',
    15_000,
  );
}

describe('executing a step', () => {
  it('hands the action its tenant’s decrypted connection, the resolved input and a stable idempotency key', async () => {
    const placeholder = '00000000-0000-4000-8000-000000000000';
    const fixture = await seedWorkflow(t.db.prisma, { steps: [step(placeholder)] });
    const connectionId = await storeConnection(t, fixture.tenantId, { token: 'sk_test_42' });
    await t.db.prisma.workflowVersion.update({
      where: { id: fixture.versionId },
      data: { definition: { steps: [step(connectionId)] } },
    });
    const run = await runToEnd({}, fixture);
    expect(run.status).toBe('SUCCEEDED');
    const [probe] = run.stepRuns;
    expect(probe?.output).toEqual({ input: { who: 'me' }, connection: { token: 'sk_test_42' }, attempt: 1, key: probe?.id });
  });

  it('fails the step, without retrying, when the connection belongs to another tenant', async () => {
    const other = await seedWorkflow(t.db.prisma, { steps: [{ key: 'x', action: { app: 'core', version: '1', key: 'noop' } }] });
    const theirs = await storeConnection(t, other.tenantId, { token: 'theirs' }, 'theirs');
    const run = await runToEnd({ steps: [{ ...step(theirs), retry: { attempts: 3, backoff: 'fixed', delayMs: 10 } }] });
    expect(run.status).toBe('FAILED');
    expect(run.stepRuns[0]).toMatchObject({ status: 'FAILED', attempt: 1, error: { code: 'NOT_FOUND' } });
    expect(JSON.stringify(run.stepRuns[0]?.output ?? null)).not.toContain('theirs');
  });

  it('fails a step whose input does not fit its action, naming the field, without retrying', async () => {
    const run = await runToEnd({
      steps: [
        {
          key: 'call',
          action: { app: 'core', version: '1', key: 'http.request' },
          input: { url: 'not a url' },
          retry: { attempts: 3, backoff: 'fixed', delayMs: 10 },
        },
      ],
    });
    expect(run.status).toBe('FAILED');
    expect(run.stepRuns[0]).toMatchObject({ status: 'FAILED', attempt: 1 });
    expect(run.stepRuns[0]?.error).toMatchObject({ message: expect.stringContaining('input.url') });
  });

  it('lets dependents run after a failed step marked continueOnError, and the run succeeds', async () => {
    const run = await runToEnd({
      steps: [
        { key: 'bad', action: { app: 'core', version: '1', key: 'http.request' }, input: { url: 'nope' }, continueOnError: true },
        { key: 'after', action: { app: 'core', version: '1', key: 'transform' }, input: { value: 1 }, dependsOn: ['bad'] },
      ],
    });
    const status = Object.fromEntries(run.stepRuns.map((s) => [s.stepKey, s.status]));
    expect(status).toEqual({ bad: 'FAILED', after: 'SUCCEEDED' });
    expect(run.status).toBe('SUCCEEDED');
  });

  it('plans the next step when a job comes back after its worker died between recording the step and planning', async () => {
    // What the dead worker left behind: the outcome committed, no next step, its job unfinished.
    const { ref, first, fixture } = await runWithFirstStepDone();
    const run = await handOutAgain(ref, first, fixture.versionId);
    const steps = Object.fromEntries(run.stepRuns.map((step) => [step.stepKey, step]));
    expect(steps.first).toMatchObject({ status: 'SUCCEEDED', attempt: 1 });
    expect(steps.second).toMatchObject({ status: 'SUCCEEDED', attempt: 1, output: 2 });
  });

  it('runs a chain of inline steps in one step job, each step still recorded on its own', async () => {
    const transform = (key: string, value: string, dependsOn: string[] = []) => ({
      key,
      action: { app: 'core', version: '1', key: 'transform' },
      input: { value },
      dependsOn,
    });
    const run = await runToEnd({
      steps: [
        transform('one', '{{ input.who }}'),
        transform('two', '{{ steps.one.output & "!" }}', ['one']),
        transform('three', '{{ steps.two.output & "?" }}', ['two']),
      ],
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ three: 'me!?' });
    const steps = Object.fromEntries(run.stepRuns.map((step) => [step.stepKey, step]));
    expect(Object.values(steps).map((step) => [step.status, step.attempt])).toEqual([
      ['SUCCEEDED', 1],
      ['SUCCEEDED', 1],
      ['SUCCEEDED', 1],
    ]);
    // The run job started the first step and carried the chain on: every step ran under its id, none got a job of its own.
    expect(Object.values(steps).map((step) => step.jobId)).toEqual([runJob.id(run.id), runJob.id(run.id), runJob.id(run.id)]);
    const jobs = await t.deps.queues.steps.getJobs(['completed', 'waiting', 'active', 'delayed', 'failed']);
    expect(jobs.filter((job) => job.data.runId === run.id)).toEqual([]);
  });

  it('gives the first steps jobs of their own when the run starts with several, or with one that may retry', async () => {
    const transform = (key: string, extra: object = {}) => ({
      key,
      action: { app: 'core', version: '1', key: 'transform' },
      input: { value: key },
      ...extra,
    });
    const forked = await runToEnd({ steps: [transform('a'), transform('b')] });
    const retried = await runToEnd({ steps: [transform('a', { retry: { attempts: 2 } })] });
    for (const run of [forked, retried]) {
      expect(run.status).toBe('SUCCEEDED');
      expect(run.stepRuns.every((step) => step.jobId?.startsWith(stepJob.idPrefix))).toBe(true);
    }
  });

  it('gives the first step a job of its own when the run job stalled before (waiting for a slot counts), having no stall to spare', async () => {
    const { ref } = await dispatchedTwoStepRun();
    const jobId = runJob.id(ref.runId);
    await t.deps.queues.runs.add(runJob.name, ref, { ...runJob.opts, jobId, delay: 300 });
    // BullMQ's stall count of the job, as a stall while the run waited for its tenant's slot leaves it.
    await (await t.deps.queues.runs.client).hset(`${t.config.redis.queuePrefix}:${t.deps.queues.runs.name}:${jobId}`, { stc: 1 });
    const run = await waitFor(
      () => t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: ref.runId }, include: { stepRuns: true } }),
      (current) => current.status === 'SUCCEEDED',
      15_000,
    );
    const first = run.stepRuns.find((step) => step.stepKey === 'first');
    expect(first?.jobId).toBe(stepJob.id(first?.id ?? '', 0));
    expect(run.stepRuns.find((step) => step.stepKey === 'second')?.jobId).toBe(first?.jobId);
  });

  it('takes up the first step again when the run job comes back after its worker died mid-step', async () => {
    // What the dead worker left behind: the run RUNNING, its first step RUNNING under the run job's id.
    const { ref, definition } = await dispatchedTwoStepRun();
    const jobId = runJob.id(ref.runId);
    const [first] = (await startRun(t.deps.pool, ref, definition, { stepKey: 'first', jobId })).queued;
    expect(first).toMatchObject({ stepKey: 'first', jobId, started: true });
    await t.deps.producers.enqueueRun(ref); // BullMQ hands the stalled run job out again
    const run = await waitFor(
      () => t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: ref.runId }, include: { stepRuns: true } }),
      (current) => current.status === 'SUCCEEDED',
      15_000,
    );
    const steps = Object.fromEntries(run.stepRuns.map((step) => [step.stepKey, step]));
    expect(steps.first).toMatchObject({ status: 'SUCCEEDED', attempt: 2, output: 1, jobId });
    expect(steps.first?.attemptErrors).toEqual([expect.objectContaining({ code: 'WORKER_LOST', attempt: 1 })]);
    expect(steps.second).toMatchObject({ status: 'SUCCEEDED', attempt: 1, output: 2, jobId });
  });

  it('carries on again with a carried step when its job comes back after the worker died mid-step', async () => {
    // What the dead worker left behind: the first step done, the second RUNNING under the first's job.
    const { ref, first, fixture } = await runWithFirstStepDone();
    await t.db.prisma.stepRun.create({
      data: {
        tenantId: ref.tenantId,
        workflowRunId: ref.runId,
        stepKey: 'second',
        status: 'RUNNING',
        attempt: 1,
        jobId: first.jobId,
      },
    });
    const run = await handOutAgain(ref, first, fixture.versionId);
    const second = run.stepRuns.find((step) => step.stepKey === 'second');
    expect(second).toMatchObject({ status: 'SUCCEEDED', attempt: 2, output: 2, jobId: first.jobId });
    expect(second?.attemptErrors).toEqual([expect.objectContaining({ code: 'WORKER_LOST', attempt: 1 })]);
  });

  it('counts step durations by action and outcome, and runs by final status, with bounded labels', async () => {
    await runToEnd({ steps: [{ key: 'one', action: { app: 'core', version: '1', key: 'transform' }, input: { value: 1 } }] });
    await runToEnd({
      steps: [{ key: 'bad', action: { app: 'core', version: '1', key: 'http.request' }, input: { url: 'nope' } }],
    });
    const runs = (await t.deps.metrics.runsFinished.get()).values;
    expect(runs.find((v) => v.labels.status === 'SUCCEEDED')?.value).toBeGreaterThan(0);
    expect(runs.find((v) => v.labels.status === 'FAILED')?.value).toBeGreaterThan(0);
    const durations = (await t.deps.metrics.stepDuration.get()).values.filter(
      (v) => v.metricName === 'conveyor_step_duration_seconds_count',
    );
    expect(durations.map((v) => `${v.labels.action}:${v.labels.outcome}`)).toEqual(
      expect.arrayContaining(['core@1/transform:succeeded', 'core@1/http.request:failed']),
    );
    expect(await t.registry.metrics()).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-/);
  });

  it('records a template that ran out of time as EXPRESSION_TIMEOUT, which is retried (a busy machine), not a definition error', async () => {
    const run = await runToEnd({
      steps: [
        {
          key: 'spin',
          action: { app: 'core', version: '1', key: 'noop' },
          input: { value: '{{ ($f := function($x){ $f($x) }; $f(1)) }}' },
          retry: { attempts: 2, backoff: 'fixed', delayMs: 10 },
        },
      ],
    });
    expect(run.status).toBe('FAILED');
    const [spin] = run.stepRuns;
    expect(spin?.attemptErrors).toEqual([expect.objectContaining({ code: 'EXPRESSION_TIMEOUT', retryable: true, attempt: 1 })]);
    expect(spin?.error).toMatchObject({ code: 'EXPRESSION_TIMEOUT', attempt: 2 });
  });
});
